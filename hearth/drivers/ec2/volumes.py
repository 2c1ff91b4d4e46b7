"""Volumes (EBS): create, attach at a device, detach, delete.

The rules (what may be attached or deleted, and how a refusal reads) are
``hearth.drivers.volume_rules``, checked against what EC2 describes before EC2 is asked: the
same refusals as every backend, whatever the endpoint would let through.
"""

from __future__ import annotations

from typing import Any

from hearth.errors import Conflict

from .. import volume_rules
from ..caller import Caller
from ..parts import VolumesPart
from ..resources import Volume, VolumeAttach, VolumeCreate, VolumeState
from .attachments import attachment, detach, ec2_device, volume_item
from .context import EVERYONE, Ec2Context, Kind
from .states import map_state
from .tables import Ec2Object
from .tags import name_tags
from .zones import usable_realm


class Volumes(VolumesPart):
    context: Ec2Context

    def list_volumes(self, caller: Caller) -> list[Volume]:
        found = self.context.described(
            Kind.volume, caller, "describe_volumes", "Volumes", "volume-id", "VolumeId"
        )
        return [_view(item, row) for item, row in found]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        row = self.context.owned(Kind.volume, caller, volume_id)
        return _view(volume_item(self.context, volume_id), row)

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        ctx = self.context
        params: dict[str, Any] = {
            "Size": request.capacity_gb,
            "AvailabilityZone": usable_realm(ctx, request.realm_id).id,
        }
        if request.snapshot_id is not None:
            ctx.owned(Kind.snapshot, caller, request.snapshot_id)
            params["SnapshotId"] = request.snapshot_id
        if request.name is not None:
            params["TagSpecifications"] = name_tags("volume", request.name)
        made = ctx.cloud.call("creating a volume", "create_volume", **params)
        row = ctx.record(caller, Kind.volume, made["VolumeId"], request.name or made["VolumeId"])
        return _view(made, row)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        ctx = self.context
        ctx.owned(Kind.volume, caller, volume_id, modify=True)
        attached = attachment(volume_item(ctx, volume_id))
        snaps = _snapshots_of(ctx, volume_id)
        volume_rules.check_deletable(
            volume_id, (attached["InstanceId"], attached.get("Device")) if attached else None, len(snaps)
        )
        ctx.cloud.call(f"deleting volume {volume_id}", "delete_volume", VolumeId=volume_id)
        ctx.forget(volume_id)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        ctx = self.context
        row = ctx.owned(Kind.volume, caller, volume_id, modify=True)
        inst = ctx.owned(Kind.instance, caller, request.instance_id)
        volume_rules.check_same_owner(row.owner_id, inst.owner_id)
        attached = attachment(volume_item(ctx, volume_id))
        volume_rules.check_not_attached(volume_id, attached["InstanceId"] if attached else None)
        instance = ctx.instance_item(inst.id)
        volume_rules.check_instance_state(inst.id, map_state(instance)[0])
        device = ec2_device(request.device)
        taken = {m.get("DeviceName") for m in instance.get("BlockDeviceMappings") or []}
        if device in taken:
            raise Conflict(
                f"instance {inst.id} already has a disk at {request.device} ({device})",
                instance=inst.id,
                device=request.device,
            )
        ctx.cloud.call(
            f"attaching volume {volume_id} to instance {inst.id}",
            "attach_volume",
            VolumeId=volume_id,
            InstanceId=inst.id,
            Device=device,
        )
        self._keep_device(row, request.device)
        return _view(volume_item(ctx, volume_id), row)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        """Detach and wait (bounded) until EC2 says the volume is available again."""
        ctx = self.context
        row = ctx.owned(Kind.volume, caller, volume_id, modify=True)
        attached = attachment(volume_item(ctx, volume_id))
        if attached is None:
            raise Conflict(f"volume {volume_id} is not attached", volume=volume_id)
        item = detach(ctx, volume_id, attached)
        self._keep_device(row, None)
        return _view(item, row)

    def _keep_device(self, row: Ec2Object, device: str | None) -> None:
        """Remember the device name the caller chose (EC2 knows ``vdb`` only as ``/dev/sdb``)."""
        with self.context.write() as s:
            stored = self.context.lookup(s, Kind.volume, row.id)
            if stored is not None:
                stored.device = device
        row.device = device


def _snapshots_of(context: Ec2Context, volume_id: str) -> list[str]:
    """Hearth snapshots of the volume (EC2 would let the volume go; the contract does not)."""
    ids = list(context.rows_by_id(Kind.snapshot, EVERYONE))
    if not ids:
        return []
    of_it = {"Name": "volume-id", "Values": [volume_id]}
    found = context.cloud.by_ids(
        "listing snapshots", "describe_snapshots", "Snapshots", "snapshot-id", ids, of_it
    )
    return [s["SnapshotId"] for s in found]


def _view(item: dict[str, Any], row: Ec2Object) -> Volume:
    attached = attachment(item)
    device = None
    if attached is not None:
        shown = str(attached.get("Device") or "")
        device = row.device if row.device and ec2_device(row.device) == shown else shown.removeprefix("/dev/")
    return Volume(
        id=item["VolumeId"],
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        capacity_gb=int(item["Size"]),
        state=VolumeState.IN_USE if attached else VolumeState.AVAILABLE,
        realm=str(item.get("AvailabilityZone")),
        instance=attached["InstanceId"] if attached else None,
        device=device,
    )
