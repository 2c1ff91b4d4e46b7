"""Instances: RunInstances and friends under Hearth's state machine, ownership and names.

Every action is checked against the Hearth state machine before EC2 is asked, so a refusal
reads the same on every backend (and does not depend on how strict the endpoint is); EC2's own
``IncorrectInstanceState`` still arrives as InvalidState when a race gets past the check.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from hearth.errors import HearthError, NotFound, ValidationError

from .. import states
from ..base import DEFAULT_STOP_TIMEOUT, MAX_INSTANCE_COUNT
from ..caller import Caller
from ..resources import (
    Action,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceState,
    NetworkBinding,
)
from .core import Kind, name_tags
from .states import map_state
from .storage import StorageOps

log = logging.getLogger(__name__)
KEY_PAIR_PREFIX = "hearth-"  # EC2 key pair names are per account; Hearth's are per user


class InstanceOps(StorageOps):
    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        rows = self._rows_by_id(Kind.instance, caller, filters.owner_id)
        if not rows:
            return []
        extra = {"availability_zone": [filters.realm_id]} if filters.realm_id is not None else {}
        items = self._describe_instances(list(rows), **extra)
        views = [self._view(items[i], row) for i, row in rows.items() if i in items]
        if filters.state is not None:
            views = [v for v in views if v.state is filters.state]
        return views

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        row = self._owned(Kind.instance, caller, instance_id)
        return self._view(self._instance_item(instance_id), row)

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        return self._launch(caller, request, 1)[0]

    def create_instances(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        """One RunInstances with MinCount = MaxCount = count: EC2 launches them together."""
        if not 1 <= count <= MAX_INSTANCE_COUNT:
            raise ValidationError(f"count must be between 1 and {MAX_INSTANCE_COUNT}", count=count)
        return self._launch(caller, request, count)

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.start, "start_instances")

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        """EC2's graceful stop, then a forced one (``Force``) if it is still stopping after
        ``timeout``: EC2 itself waits much longer for a guest that ignores the request."""
        if timeout < 0:
            raise ValidationError("the stop timeout must not be negative", timeout=timeout)
        view = self._act(caller, instance_id, Action.stop, "stop_instances", Force=force)
        if not force and view.state is InstanceState.STOPPING:
            self._schedule(instance_id, timeout, lambda: self._force_stop(instance_id))
        return view

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.reboot, "reboot_instances")

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        """Terminate a STOPPED (or ERROR) instance. Its Hearth volumes and addresses are let go
        first, so they outlive it as on any backend; then the record goes."""
        row = self._owned(Kind.instance, caller, instance_id)
        item = self._instance_item(instance_id)
        final = self._view(item, row)
        self.check_action(instance_id, final.state, Action.destroy)
        self._cancel(instance_id)
        self._detach_all(instance_id)
        self._disassociate_all(instance_id)
        self.cloud.call(
            f"terminating instance {instance_id}", "terminate_instances", InstanceIds=[instance_id]
        )
        self._forget(instance_id)
        state = states.TRANSITIONS[Action.destroy].target
        return final.model_copy(update={"state": state, "state_reason": None, "actions": []})

    # --- keys: Hearth's key store, pushed to EC2 as a key pair when an instance needs one -------

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self.keys.delete(caller, key_id)
        self.cloud.call(
            f"deleting the EC2 key pair of key {key_id}", "delete_key_pair", KeyName=KEY_PAIR_PREFIX + key_id
        )

    def _key_pair(self, caller: Caller, key_name: str) -> str:
        """The EC2 key pair holding the caller's key ``key_name``, imported on first use."""
        key = self.keys.by_name(caller, key_name)
        pair = KEY_PAIR_PREFIX + key.id
        try:
            self.cloud.call(f"reading key pair of key {key_name!r}", "describe_key_pairs", KeyNames=[pair])
        except NotFound:
            self.cloud.call(
                f"importing key {key_name!r}",
                "import_key_pair",
                KeyName=pair,
                PublicKeyMaterial=key.public_key.encode(),
                TagSpecifications=name_tags("key-pair", key_name),
            )
        return pair

    # --- internals ----------------------------------------------------------------------------

    def _launch(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        self.require_features(request)
        self.get_hardware_profile(caller, request.hwp_id)
        assert request.image_id is not None  # template_id without the feature is refused above
        self._check_bootable(caller, request.image_id)
        params: dict[str, Any] = {
            "ImageId": request.image_id,
            "InstanceType": request.hwp_id,
            "MinCount": count,
            "MaxCount": count,
            # Idempotent: botocore retrying a timed-out RunInstances does not launch twice.
            "ClientToken": uuid.uuid4().hex,
        }
        # Public addresses come from the addresses collection (Elastic IPs) only, as on every
        # backend: no address of EC2's choosing that would change on every stop and start.
        nic: dict[str, Any] = {"DeviceIndex": 0, "AssociatePublicIpAddress": False}
        params["NetworkInterfaces"] = [nic]
        if request.networks:
            subnet, ip = self._launch_subnet(caller, request.networks, request.realm_id)
            if ip is not None and count > 1:
                raise ValidationError("an ip_address can be given to one instance only, not to a count")
            nic["SubnetId"] = subnet
            if ip is not None:
                nic["PrivateIpAddress"] = ip
        elif request.realm_id is not None:
            params["Placement"] = {"AvailabilityZone": self._usable_realm(caller, request.realm_id).id}
        if request.key_name is not None:
            params["KeyName"] = self._key_pair(caller, request.key_name)
        if request.user_data is not None:
            params["UserData"] = request.user_data  # boto3 base64-encodes it
        names = _names(request.name, count)
        if count == 1 and names[0] is not None:
            params["TagSpecifications"] = name_tags("instance", names[0])
        made = self.cloud.call("launching instances", "run_instances", **params)["Instances"]
        views: list[Instance] = []
        try:
            for item, wanted in zip(made, names, strict=False):
                name = wanted or f"inst-{item['InstanceId'][2:10]}"
                if count > 1 or wanted is None:
                    self._name_tag(item["InstanceId"], name)
                row = self._record(caller, Kind.instance, item["InstanceId"], name, key_name=request.key_name)
                views.append(self._view(item, row))
        except HearthError:
            self._abandon([i["InstanceId"] for i in made])
            raise
        return views

    def _abandon(self, ids: list[str]) -> None:
        """Terminate instances launched for a create that then failed, so none is left unowned."""
        try:
            self.cloud.call("terminating abandoned instances", "terminate_instances", InstanceIds=ids)
        except HearthError as exc:
            log.error("could not terminate abandoned instances %s: %s", ", ".join(ids), exc.message)
        for i in ids:
            self._forget(i)

    def _act(
        self, caller: Caller, instance_id: str, action: Action, operation: str, **params: Any
    ) -> Instance:
        row = self._owned(Kind.instance, caller, instance_id)
        state, _ = map_state(self._instance_item(instance_id))
        self.check_action(instance_id, state, action)
        self.cloud.call(
            f"{action.value} of instance {instance_id}", operation, InstanceIds=[instance_id], **params
        )
        return self._view(self._instance_item(instance_id), row)

    def _force_stop(self, instance_id: str) -> None:
        try:
            if self._instance_state(instance_id) is InstanceState.STOPPING:
                self.cloud.call(
                    f"forcing instance {instance_id} off",
                    "stop_instances",
                    InstanceIds=[instance_id],
                    Force=True,
                )
        except HearthError as exc:
            log.warning("forcing instance %s off failed: %s", instance_id, exc.message)

    def _view(self, item: dict[str, Any], row: Any) -> Instance:
        state, reason = map_state(item)
        info = self._known_type(str(item.get("InstanceType")))
        cpu = item.get("CpuOptions") or {}
        vcpus = (
            int(cpu["CoreCount"]) * int(cpu.get("ThreadsPerCore", 1))
            if cpu.get("CoreCount")
            else int(info["VCpuInfo"]["DefaultVCpus"])
            if info
            else None
        )
        bindings = [
            NetworkBinding(network=n["VpcId"], subnet=n["SubnetId"], ip_address=n["PrivateIpAddress"])
            for n in item.get("NetworkInterfaces") or []
            if n.get("VpcId") and n.get("SubnetId") and n.get("PrivateIpAddress")
        ]
        if not bindings and item.get("VpcId") and item.get("SubnetId") and item.get("PrivateIpAddress"):
            bindings = [
                NetworkBinding(
                    network=item["VpcId"], subnet=item["SubnetId"], ip_address=item["PrivateIpAddress"]
                )
            ]
        private = [b.ip_address for b in bindings] or (
            [item["PrivateIpAddress"]] if item.get("PrivateIpAddress") else []
        )
        return Instance(
            id=item["InstanceId"],
            name=row.name,
            owner_id=row.owner_id,
            created=row.created,
            state=state,
            state_reason=reason,
            actions=self.allowed_actions(state),
            image=item.get("ImageId"),
            realm=str((item.get("Placement") or {}).get("AvailabilityZone", self.config.region)),
            hardware_profile=str(item.get("InstanceType")),
            key_name=row.key_name,
            network_bindings=bindings,
            public_addresses=[item["PublicIpAddress"]] if item.get("PublicIpAddress") else [],
            private_addresses=private,
            memory_mib=int(info["MemoryInfo"]["SizeInMiB"]) if info else None,
            vcpus=vcpus,
        )


def _names(name: str | None, count: int) -> list[str | None]:
    if name is None:
        return [None] * count
    return [name] if count == 1 else [f"{name}-{i}" for i in range(1, count + 1)]
