"""Instances: RunInstances and friends under Hearth's state machine, ownership and names.

Every action is checked against the Hearth state machine before EC2 is asked, so a refusal
reads the same on every backend (and does not depend on how strict the endpoint is); EC2's own
``IncorrectInstanceState`` still arrives as InvalidState when a race gets past the check.
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from hearth.errors import Conflict, HearthError, ValidationError
from hearth.vocab.instance_states import InstanceState

from .. import states
from ..caller import Caller
from ..operations import CONSOLE_OUTPUT_LIMIT, DEFAULT_STOP_TIMEOUT, MAX_INSTANCE_COUNT
from ..parts import InstancesPart
from ..resources import (
    Action,
    ConsoleOutput,
    Instance,
    InstanceCreate,
    InstanceFilter,
    NetworkBinding,
    NetworkRequest,
)
from . import vpcs
from .amis import bootable_image
from .attachments import detach_all, disassociate_all
from .context import Ec2Context, Kind
from .instance_types import known_type, type_info
from .key_pairs import key_pair
from .states import map_state
from .tables import Ec2Object
from .tags import name_tags
from .zones import get_realm, usable_realm

log = logging.getLogger(__name__)


class Instances(InstancesPart):
    context: Ec2Context

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        rows = self.context.rows_by_id(Kind.instance, caller, filters.owner_id)
        if not rows:
            return []
        extra = {"availability_zone": [filters.realm_id]} if filters.realm_id is not None else {}
        items = self.context.describe_instances(list(rows), **extra)
        views = [self._view(items[i], row) for i, row in rows.items() if i in items]
        if filters.state is not None:
            views = [v for v in views if v.state is filters.state]
        return views

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        row = self.context.owned(Kind.instance, caller, instance_id)
        return self._view(self.context.instance_item(instance_id), row)

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        """EC2's GetConsoleOutput (boto3 decodes its base64), cut to the contract's bound."""
        self.context.owned(Kind.instance, caller, instance_id)
        answer = self.context.cloud.call(
            f"reading the console of instance {instance_id}", "get_console_output", InstanceId=instance_id
        )
        data = str(answer.get("Output") or "").encode()
        when = answer.get("Timestamp")
        return ConsoleOutput(
            instance_id=instance_id,
            output=data[-CONSOLE_OUTPUT_LIMIT:].decode(errors="ignore"),
            timestamp=when if isinstance(when, datetime) else datetime.now(UTC),
            truncated=len(data) > CONSOLE_OUTPUT_LIMIT,
        )

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        return self.launch(caller, request, 1)[0]

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
            self.context.timers.schedule(instance_id, timeout, lambda: self._force_stop(instance_id))
        return view

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.reboot, "reboot_instances")

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        """Terminate a STOPPED (or ERROR) instance. Its Hearth volumes and addresses are let go
        first, so they outlive it as on any backend; then the record goes."""
        ctx = self.context
        row = ctx.owned(Kind.instance, caller, instance_id)
        final = self._view(ctx.instance_item(instance_id), row)
        self.check_action(instance_id, final.state, Action.destroy)
        ctx.timers.cancel(instance_id)
        detach_all(ctx, instance_id)
        disassociate_all(ctx, instance_id)
        ctx.cloud.call(
            f"terminating instance {instance_id}", "terminate_instances", InstanceIds=[instance_id]
        )
        ctx.forget(instance_id)
        state = states.TRANSITIONS[Action.destroy].target
        return final.model_copy(update={"state": state, "state_reason": None, "actions": []})

    # --- not a contract operation: the driver's create_instances --------------------------------

    def launch(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        """``count`` instances by one RunInstances (MinCount = MaxCount = count): EC2 launches
        them together, and a name gets ``-1``, ``-2``, … as on every backend."""
        if not 1 <= count <= MAX_INSTANCE_COUNT:
            raise ValidationError(f"count must be between 1 and {MAX_INSTANCE_COUNT}", count=count)
        self.require_features(request)
        ctx = self.context
        type_info(ctx, request.hwp_id)
        assert request.image_id is not None  # template_id without the feature is refused above
        bootable_image(ctx, caller, request.image_id)
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
            params["Placement"] = {"AvailabilityZone": usable_realm(ctx, request.realm_id).id}
        if request.key_name is not None:
            params["KeyName"] = key_pair(ctx, caller, request.key_name)
        if request.user_data is not None:
            params["UserData"] = request.user_data  # boto3 base64-encodes it
        names = _names(request.name, count)
        if count == 1 and names[0] is not None:
            params["TagSpecifications"] = name_tags("instance", names[0])
        made = ctx.cloud.call("launching instances", "run_instances", **params)["Instances"]
        views: list[Instance] = []
        try:
            for item, wanted in zip(made, names, strict=False):
                name = wanted or f"inst-{item['InstanceId'][2:10]}"
                if count > 1 or wanted is None:
                    ctx.name_tag(item["InstanceId"], name)
                row = ctx.record(caller, Kind.instance, item["InstanceId"], name, key_name=request.key_name)
                views.append(self._view(item, row))
        except HearthError:
            self._abandon([i["InstanceId"] for i in made])
            raise
        return views

    # --- internals ----------------------------------------------------------------------------

    def _launch_subnet(
        self, caller: Caller, networks: list[NetworkRequest], realm_id: str | None
    ) -> tuple[str, str | None]:
        """The subnet (and fixed address) a new instance's one network request puts it on."""
        if len(networks) > 1:
            raise ValidationError("an EC2 instance is launched on one network; give one entry in networks")
        ctx = self.context
        want = networks[0]
        vpcs.vpc(ctx, caller, want.network_id)
        if want.subnet_id is not None:
            item, _ = vpcs.subnet(ctx, caller, want.subnet_id)
            if item["VpcId"] != want.network_id:
                raise ValidationError(
                    f"subnet {want.subnet_id} is not on network {want.network_id}", subnet=want.subnet_id
                )
            candidates = [item]
        else:
            candidates = vpcs.subnet_items(ctx, want.network_id)
        if realm_id is not None:
            get_realm(ctx, realm_id)
            candidates = [c for c in candidates if c.get("AvailabilityZone") == realm_id]
        if want.ip_address is not None:
            ip = ipaddress.ip_address(want.ip_address)
            candidates = [c for c in candidates if ip in ipaddress.ip_network(c["CidrBlock"])]
            if not candidates:
                raise ValidationError(
                    f"address {ip} is outside every subnet of network {want.network_id}"
                    + (f" in realm {realm_id}" if realm_id else ""),
                    ip_address=str(ip),
                )
        if not candidates:
            raise ValidationError(
                f"network {want.network_id} has no subnet" + (f" in realm {realm_id}" if realm_id else ""),
                network=want.network_id,
            )
        subnet = candidates[0]
        if want.ip_address is not None:
            taken = ctx.cloud.call(
                f"reading the addresses of subnet {subnet['SubnetId']}",
                "describe_network_interfaces",
                Filters=[
                    {"Name": "subnet-id", "Values": [subnet["SubnetId"]]},
                    {"Name": "addresses.private-ip-address", "Values": [want.ip_address]},
                ],
            ).get("NetworkInterfaces")
            if taken:
                raise Conflict(
                    f"address {want.ip_address} is already in use on subnet {subnet['SubnetId']}",
                    ip_address=want.ip_address,
                )
        return str(subnet["SubnetId"]), want.ip_address

    def _abandon(self, ids: list[str]) -> None:
        """Terminate instances launched for a create that then failed, so none is left unowned."""
        try:
            self.context.cloud.call("terminating abandoned instances", "terminate_instances", InstanceIds=ids)
        except HearthError as exc:
            log.error("could not terminate abandoned instances %s: %s", ", ".join(ids), exc.message)
        for i in ids:
            self.context.forget(i)

    def _act(
        self, caller: Caller, instance_id: str, action: Action, operation: str, **params: Any
    ) -> Instance:
        ctx = self.context
        row = ctx.owned(Kind.instance, caller, instance_id)
        self.check_action(instance_id, ctx.instance_state(instance_id), action)
        ctx.cloud.call(
            f"{action.value} of instance {instance_id}", operation, InstanceIds=[instance_id], **params
        )
        return self._view(ctx.instance_item(instance_id), row)

    def _force_stop(self, instance_id: str) -> None:
        try:
            if self.context.instance_state(instance_id) is InstanceState.STOPPING:
                self.context.cloud.call(
                    f"forcing instance {instance_id} off",
                    "stop_instances",
                    InstanceIds=[instance_id],
                    Force=True,
                )
        except HearthError as exc:
            log.warning("forcing instance %s off failed: %s", instance_id, exc.message)

    def _view(self, item: dict[str, Any], row: Ec2Object) -> Instance:
        state, reason = map_state(item)
        info = known_type(self.context, str(item.get("InstanceType")))
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
            realm=str((item.get("Placement") or {}).get("AvailabilityZone", self.context.region)),
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
