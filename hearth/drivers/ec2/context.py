"""What every part of the EC2 driver shares: the config, the cloud client, the ownership rows.

EC2 ids are Hearth ids (``i-…``, ``vol-…``): stable, and what an EC2 user already knows. EC2 has
one owner per account, so who owns what among Hearth users is a row per object in the driver's
own table (``hearth.drivers.ec2.tables``); an object without a row was not made through Hearth and is
invisible, except the shared catalogue (the configured owners' images, the default VPC).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from hearth.errors import NotFound
from hearth.vocab.instance_states import InstanceState

from ..caller import Caller
from ..owned import OwnedRows
from ..stored import StoreContext
from .cloud import Cloud
from .config import Credentials, Ec2Config
from .states import map_state
from .tables import Ec2Object
from .tags import NAME_TAG
from .timers import Timers

# Reads rows of every owner (a Hearth object that is not the caller's is still not catalogue).
EVERYONE = Caller("hearth-ec2-every-owner", is_admin=True)


class Kind(StrEnum):
    """What an ownership row records, by the Hearth collection it belongs to."""

    instance = "instance"
    image = "image"
    volume = "volume"
    snapshot = "snapshot"
    network = "network"
    subnet = "subnet"
    address = "address"


class Ec2Context(StoreContext):
    """One region's client and ownership rows; ``timers`` force off a graceful stop that
    outlasts its timeout, and are cancelled when the driver closes."""

    def __init__(
        self,
        config: Ec2Config,
        engine: Engine,
        *,
        driver_name: str,
        owns_engine: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        super().__init__(engine, driver_name, owns_engine=owns_engine)
        self.config = config
        self.cloud = Cloud(config, credentials if credentials is not None else config.credentials)
        self.timers = Timers()
        self.owned_rows = {
            kind: OwnedRows(
                Ec2Object, kind.value, Ec2Object.kind == kind.value, Ec2Object.region == config.region
            )
            for kind in Kind
        }
        """Each kind's ownership rows of this region: one table holds every kind of every region."""

    @property
    def region(self) -> str:
        return self.config.region

    def with_credentials(self, credentials: Credentials) -> Ec2Context:
        """This context acting with other credentials: the store, key store and config are
        shared, the EC2 client and timers are the view's own, and closing it leaves the engine."""
        view = copy.copy(self)
        view.cloud = Cloud(self.config, credentials)
        view.timers = Timers()
        view._owns_engine = False
        return view

    def close(self) -> None:
        self.timers.cancel_all()
        self.cloud.close()
        super().close()

    # --- ownership rows -----------------------------------------------------------------------

    def rows(self, s: Session, kind: Kind, caller: Caller, owner: str | None = None) -> list[Ec2Object]:
        """The ``kind`` rows of this region the caller may see (of ``owner`` only, if given)."""
        return self.owned_rows[kind].rows(s, caller, owner=owner)

    def rows_by_id(self, kind: Kind, caller: Caller, owner: str | None = None) -> dict[str, Ec2Object]:
        """Like ``rows``, in a session of their own, by EC2 id (in creation order)."""
        with self.read() as s:
            return {r.id: r for r in self.rows(s, kind, caller, owner)}

    def described(
        self, kind: Kind, caller: Caller, operation: str, key: str, id_filter: str, id_key: str
    ) -> list[tuple[dict[str, Any], Ec2Object]]:
        """The caller's ``kind`` objects as a Describe ``operation`` gives them (under ``key``,
        asked by ``id_filter``, each id at ``id_key``), with their rows, in creation order; one
        EC2 no longer has is left out."""
        rows = self.rows_by_id(kind, caller)
        if not rows:
            return []
        found = self.cloud.by_ids(f"listing {kind.value}s", operation, key, id_filter, list(rows))
        items = {i[id_key]: i for i in found}
        return [(items[i], row) for i, row in rows.items() if i in items]

    def lookup(self, s: Session, kind: Kind, obj_id: str) -> Ec2Object | None:
        """The row of ``obj_id`` if it is a ``kind`` of this region, whoever owns it."""
        return self.owned_rows[kind].find(s, obj_id)

    def row(self, kind: Kind, obj_id: str) -> Ec2Object | None:
        """Like ``lookup`` in a session of its own (None: not made through Hearth)."""
        with self.read() as s:
            return self.lookup(s, kind, obj_id)

    def owned(self, kind: Kind, caller: Caller, obj_id: str, *, modify: bool = False) -> Ec2Object:
        """The row of the caller's ``kind`` object ``obj_id``, or NotFound (Forbidden: shared)."""
        return self.owned_rows[kind].fetch(self, caller, obj_id, modify)

    def record(self, caller: Caller, kind: Kind, obj_id: str, name: str, **extra: Any) -> Ec2Object:
        """Record that the caller owns the EC2 object ``obj_id`` Hearth just made."""
        row = Ec2Object(
            id=obj_id,
            name=name,
            owner_id=caller.user_id,
            region=self.region,
            kind=kind.value,
            created=datetime.now(UTC),
            **extra,
        )
        with self.write() as s:
            s.add(row)
            s.flush()
            s.expunge(row)
        return row

    def forget(self, obj_id: str) -> None:
        with self.write() as s:
            s.execute(delete(Ec2Object).where(Ec2Object.id == obj_id))

    def name_tag(self, obj_id: str, name: str) -> None:
        """Set the Name tag EC2's own tools show."""
        self.cloud.call(
            f"naming {obj_id}", "create_tags", Resources=[obj_id], Tags=[{"Key": NAME_TAG, "Value": name}]
        )

    def rename(self, obj_id: str, name: str) -> None:
        """The new name, in EC2's Name tag and in the row."""
        self.name_tag(obj_id, name)
        with self.write() as s:
            row = s.get(Ec2Object, obj_id)
            if row is not None:
                row.name = name

    # --- instances as EC2 describes them (volumes, images and addresses ask too) --------------

    def describe_instances(self, ids: list[str], **filters: list[str]) -> dict[str, dict[str, Any]]:
        """DescribeInstances of ``ids`` (and ``filters``, ``availability_zone=[…]``), by id."""
        extra = [{"Name": k.replace("_", "-"), "Values": v} for k, v in filters.items()]
        reservations = self.cloud.by_ids(
            "listing instances", "describe_instances", "Reservations", "instance-id", ids, *extra
        )
        return {i["InstanceId"]: i for r in reservations for i in r.get("Instances", [])}

    def instance_item(self, instance_id: str) -> dict[str, Any]:
        """The DescribeInstances item of a recorded instance; NotFound (and the row dropped)
        once EC2 has forgotten it (long terminated)."""
        item = self.describe_instances([instance_id]).get(instance_id)
        if item is None:
            self.forget(instance_id)
            raise NotFound(f"instance {instance_id} not found", kind="instance", id=instance_id)
        return item

    def instance_state(self, instance_id: str) -> InstanceState:
        return map_state(self.instance_item(instance_id))[0]
