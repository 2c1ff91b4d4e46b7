"""What every part of the EC2 driver shares: the cloud client, the ownership rows, naming.

EC2 ids are Hearth ids (``i-…``, ``vol-…``): stable, and what an EC2 user already knows. EC2 has
one owner per account, so who owns what among Hearth users is a row per object in the driver's
own table (``hearth.drivers.ec2.tables``); an object without a row was not made through Hearth and is
invisible, except the shared catalogue (the configured owners' images, the default VPC).
"""

from __future__ import annotations

import copy
import threading
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from hearth.errors import HearthError, NotFound

from ..base import Feature
from ..caller import Caller, ensure_modifiable, ensure_visible, owner_scope
from ..resources import InstanceState
from ..stored import StoredDriver
from .cloud import Cloud
from .config import Credentials, Ec2Config
from .states import map_state
from .tables import Ec2Object

# EC2 does not say when a zone or an instance type came to be.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# Tag keys Hearth sets; Name is what the EC2 console and CLI show.
NAME_TAG = "Name"
# Reads rows of every owner (a Hearth object that is not the caller's is still not catalogue).
EVERYONE = Caller("hearth-ec2-every-owner", is_admin=True)


class Kind(StrEnum):
    instance = "instance"
    image = "image"
    volume = "volume"
    snapshot = "snapshot"
    network = "network"
    subnet = "subnet"
    address = "address"


def name_tags(resource_type: str, name: str) -> list[dict[str, Any]]:
    """The TagSpecifications that give a new EC2 object the Hearth name, for EC2's own tools."""
    return [{"ResourceType": resource_type, "Tags": [{"Key": NAME_TAG, "Value": name}]}]


def tag(item: dict[str, Any], key: str) -> str | None:
    for t in item.get("Tags") or []:
        if t.get("Key") == key:
            return str(t.get("Value"))
    return None


class Ec2Base(StoredDriver):
    name = "ec2"
    features = frozenset(
        {
            Feature.user_data,
            Feature.authentication_key,
            Feature.volume_name,
            Feature.instance_count,
            Feature.realm_filter,
        }
    )

    def __init__(
        self,
        config: Ec2Config,
        engine: Engine,
        *,
        owns_engine: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        super().__init__(engine, owns_engine=owns_engine)
        self.config = config
        self.cloud = Cloud(config, credentials if credentials is not None else config.credentials)
        self._timers: dict[str, threading.Timer] = {}
        self._timer_lock = threading.Lock()

    def with_credentials(self, credentials: Credentials) -> Self:
        """This driver acting with other credentials (Deltacloud-style: a request brings its own
        key pair); the store and config are shared, the EC2 client is the view's own."""
        view = copy.copy(self)
        view.cloud = Cloud(self.config, credentials)
        view._timers, view._timer_lock, view._owns_engine = {}, threading.Lock(), False
        return view

    def close(self) -> None:
        with self._timer_lock:
            timers = list(self._timers.values())
            self._timers.clear()
        for t in timers:
            t.cancel()
        self.cloud.close()
        super().close()

    def host_report(self) -> dict[str, str | None]:
        """The region, and why it cannot be reached (None: it answered DescribeAvailabilityZones)."""
        try:
            self.cloud.call("reaching EC2", "describe_availability_zones")
        except HearthError as exc:
            return {self.config.region: exc.message}
        return {self.config.region: None}

    # --- ownership rows -----------------------------------------------------------------------

    def _rows(self, s: Session, kind: Kind, caller: Caller, owner: str | None = None) -> list[Ec2Object]:
        q = select(Ec2Object).where(Ec2Object.kind == kind.value, Ec2Object.region == self.config.region)
        scope = owner_scope(caller, owner)
        if scope is not None:
            q = q.where(Ec2Object.owner_id.in_(scope))
        return list(s.scalars(q.order_by(Ec2Object.created, Ec2Object.id)))

    def _owned(self, kind: Kind, caller: Caller, obj_id: str, *, modify: bool = False) -> Ec2Object:
        """The row of the caller's ``kind`` object ``obj_id``, or NotFound (Forbidden: shared)."""
        with self._read() as s:
            row = self._lookup(s, kind, obj_id)
            check = ensure_modifiable if modify else ensure_visible
            check(caller, kind.value, obj_id, row.owner_id if row else None)
            assert row is not None
            s.expunge(row)
            return row

    def _lookup(self, s: Session, kind: Kind, obj_id: str) -> Ec2Object | None:
        row = s.get(Ec2Object, obj_id)
        if row is None or row.kind != kind.value or row.region != self.config.region:
            return None
        return row

    def _rows_by_id(self, kind: Kind, caller: Caller, owner: str | None = None) -> dict[str, Ec2Object]:
        with self._read() as s:
            rows = self._rows(s, kind, caller, owner)
            for r in rows:
                s.expunge(r)
        return {r.id: r for r in rows}

    def _record(self, caller: Caller, kind: Kind, obj_id: str, name: str, **extra: Any) -> Ec2Object:
        row = Ec2Object(
            id=obj_id,
            name=name,
            owner_id=caller.user_id,
            region=self.config.region,
            kind=kind.value,
            created=datetime.now(UTC),
            **extra,
        )
        with self._write() as s:
            s.add(row)
            s.flush()
            s.expunge(row)
        return row

    def _forget(self, obj_id: str) -> None:
        with self._write() as s:
            s.execute(delete(Ec2Object).where(Ec2Object.id == obj_id))

    def _name_tag(self, obj_id: str, name: str) -> None:
        """Set the Name tag EC2's own tools show."""
        self.cloud.call(
            f"naming {obj_id}", "create_tags", Resources=[obj_id], Tags=[{"Key": NAME_TAG, "Value": name}]
        )

    def _rename(self, obj_id: str, name: str) -> None:
        """The new name, in EC2's Name tag and in the row."""
        self._name_tag(obj_id, name)
        with self._write() as s:
            row = s.get(Ec2Object, obj_id)
            if row is not None:
                row.name = name

    # --- instances as EC2 describes them ----------------------------------------------------------

    def _describe_instances(self, ids: list[str], **filters: list[str]) -> dict[str, dict[str, Any]]:
        """DescribeInstances of ``ids`` (and ``filters``, ``availability_zone=[…]``), by id."""
        extra = [{"Name": k.replace("_", "-"), "Values": v} for k, v in filters.items()]
        reservations = self.cloud.by_ids(
            "listing instances", "describe_instances", "Reservations", "instance-id", ids, *extra
        )
        return {i["InstanceId"]: i for r in reservations for i in r.get("Instances", [])}

    def _instance_item(self, instance_id: str) -> dict[str, Any]:
        item = self._describe_instances([instance_id]).get(instance_id)
        if item is None:
            self._forget(instance_id)  # EC2 has forgotten it (long terminated): so do we
            raise NotFound(f"instance {instance_id} not found", kind="instance", id=instance_id)
        return item

    def _instance_state(self, instance_id: str) -> InstanceState:
        return map_state(self._instance_item(instance_id))[0]

    # --- timers (a graceful stop forced after its timeout) --------------------------------------

    def _schedule(self, key: str, delay: float, action: Any) -> None:
        timer = threading.Timer(delay, self._fire, args=(key, action))
        timer.daemon = True
        with self._timer_lock:
            old = self._timers.pop(key, None)
            self._timers[key] = timer
        if old is not None:
            old.cancel()
        timer.start()

    def _fire(self, key: str, action: Any) -> None:
        with self._timer_lock:
            self._timers.pop(key, None)
        action()

    def _cancel(self, key: str) -> None:
        with self._timer_lock:
            timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
