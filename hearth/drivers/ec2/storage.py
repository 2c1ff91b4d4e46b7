"""Volumes (EBS: create, attach at a device, detach, delete) and their snapshots.

The rules (what may be attached or deleted, and how a refusal reads) are
``hearth.drivers.volume_rules``, checked against what EC2 describes before EC2 is asked: the
same refusals as every backend, whatever the endpoint would let through. A Hearth device name
(``vdb``) is EC2's ``/dev/sdb``; the row keeps the name the caller chose.
"""

from __future__ import annotations

import time
from typing import Any

from hearth.errors import BackendTimeout, Conflict

from .. import volume_rules
from ..caller import Caller
from ..resources import (
    Snapshot,
    SnapshotCreate,
    SnapshotState,
    Volume,
    VolumeAttach,
    VolumeCreate,
    VolumeState,
)
from .core import EVERYONE, Kind, name_tags
from .networking import NetworkOps
from .states import map_state

SNAPSHOT_STATES = {"completed": SnapshotState.AVAILABLE, "pending": SnapshotState.PENDING}


def ec2_device(device: str) -> str:
    """EC2's name for a Hearth device: ``sdX``/``xvdX`` as they are, ``vdX``/``hdX`` as ``sdX``."""
    if device.startswith(("sd", "xvd")):
        return f"/dev/{device}"
    return f"/dev/sd{device[2:]}"


class StorageOps(NetworkOps):
    # --- volumes ------------------------------------------------------------------------------

    def list_volumes(self, caller: Caller) -> list[Volume]:
        rows = self._rows_by_id(Kind.volume, caller)
        if not rows:
            return []
        found = self.cloud.by_ids("listing volumes", "describe_volumes", "Volumes", "volume-id", list(rows))
        items = {v["VolumeId"]: v for v in found}
        return [self._volume_view(items[i], row) for i, row in rows.items() if i in items]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        row = self._owned(Kind.volume, caller, volume_id)
        return self._volume_view(self._volume_item(volume_id), row)

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        params: dict[str, Any] = {
            "Size": request.capacity_gb,
            "AvailabilityZone": self._usable_realm(caller, request.realm_id).id,
        }
        if request.snapshot_id is not None:
            self._owned(Kind.snapshot, caller, request.snapshot_id)
            params["SnapshotId"] = request.snapshot_id
        if request.name is not None:
            params["TagSpecifications"] = name_tags("volume", request.name)
        made = self.cloud.call("creating a volume", "create_volume", **params)
        row = self._record(caller, Kind.volume, made["VolumeId"], request.name or made["VolumeId"])
        return self._volume_view(made, row)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        self._owned(Kind.volume, caller, volume_id, modify=True)
        item = self._volume_item(volume_id)
        attached = _attachment(item)
        snaps = self._snapshot_rows_of(volume_id)
        volume_rules.check_deletable(
            volume_id, (attached["InstanceId"], attached.get("Device")) if attached else None, len(snaps)
        )
        self.cloud.call(f"deleting volume {volume_id}", "delete_volume", VolumeId=volume_id)
        self._forget(volume_id)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        row = self._owned(Kind.volume, caller, volume_id, modify=True)
        inst = self._owned(Kind.instance, caller, request.instance_id)
        volume_rules.check_same_owner(row.owner_id, inst.owner_id)
        item = self._volume_item(volume_id)
        attached = _attachment(item)
        volume_rules.check_not_attached(volume_id, attached["InstanceId"] if attached else None)
        instance = self._instance_item(inst.id)
        volume_rules.check_instance_state(inst.id, map_state(instance)[0])
        device = ec2_device(request.device)
        taken = {m.get("DeviceName") for m in instance.get("BlockDeviceMappings") or []}
        if device in taken:
            raise Conflict(
                f"instance {inst.id} already has a disk at {request.device} ({device})",
                instance=inst.id,
                device=request.device,
            )
        self.cloud.call(
            f"attaching volume {volume_id} to instance {inst.id}",
            "attach_volume",
            VolumeId=volume_id,
            InstanceId=inst.id,
            Device=device,
        )
        with self._write() as s:
            stored = self._lookup(s, Kind.volume, volume_id)
            if stored is not None:
                stored.device = request.device
        row.device = request.device
        return self._volume_view(self._volume_item(volume_id), row)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        """Detach and wait (bounded) until EC2 says the volume is available again."""
        row = self._owned(Kind.volume, caller, volume_id, modify=True)
        attached = _attachment(self._volume_item(volume_id))
        if attached is None:
            raise Conflict(f"volume {volume_id} is not attached", volume=volume_id)
        item = self._detach(volume_id, attached)
        with self._write() as s:
            stored = self._lookup(s, Kind.volume, volume_id)
            if stored is not None:
                stored.device = None
        row.device = None
        return self._volume_view(item, row)

    def _detach_all(self, instance_id: str) -> None:
        """Detach the Hearth volumes of an instance about to be terminated (its root disk is not
        one: EC2 made it and deletes it with the instance)."""
        ids = list(self._rows_by_id(Kind.volume, EVERYONE))
        if not ids:
            return
        on_it = {"Name": "attachment.instance-id", "Values": [instance_id]}
        for item in self.cloud.by_ids(
            "listing volumes", "describe_volumes", "Volumes", "volume-id", ids, on_it
        ):
            attached = _attachment(item)
            if attached is not None:
                self._detach(item["VolumeId"], attached)

    def _detach(self, volume_id: str, attached: dict[str, Any]) -> dict[str, Any]:
        """DetachVolume naming the attachment fully (optional on AWS, needed by some endpoints),
        then wait until EC2 says the volume is available again."""
        self.cloud.call(
            f"detaching volume {volume_id}",
            "detach_volume",
            VolumeId=volume_id,
            InstanceId=attached["InstanceId"],
            Device=attached["Device"],
        )
        return self._settled_volume(volume_id)

    def _settled_volume(self, volume_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.config.wait_seconds
        delay = 0.05
        while True:
            item = self._volume_item(volume_id)
            if _attachment(item) is None:
                return item
            if time.monotonic() >= deadline:
                raise BackendTimeout(
                    f"volume {volume_id} is still detaching after {self.config.wait_seconds:g}s",
                    volume=volume_id,
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _volume_item(self, volume_id: str) -> dict[str, Any]:
        found = self.cloud.call(f"reading volume {volume_id}", "describe_volumes", VolumeIds=[volume_id])
        return dict(found["Volumes"][0])

    def _volume_view(self, item: dict[str, Any], row: Any) -> Volume:
        attached = _attachment(item)
        device = None
        if attached is not None:
            shown = str(attached.get("Device") or "")
            device = (
                row.device if row.device and ec2_device(row.device) == shown else shown.removeprefix("/dev/")
            )
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

    # --- snapshots ----------------------------------------------------------------------------

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        rows = self._rows_by_id(Kind.snapshot, caller)
        if not rows:
            return []
        found = self.cloud.by_ids(
            "listing snapshots", "describe_snapshots", "Snapshots", "snapshot-id", list(rows)
        )
        items = {s["SnapshotId"]: s for s in found}
        return [self._snapshot_view(items[i], row) for i, row in rows.items() if i in items]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        row = self._owned(Kind.snapshot, caller, snapshot_id)
        found = self.cloud.call(
            f"reading snapshot {snapshot_id}", "describe_snapshots", SnapshotIds=[snapshot_id]
        )
        return self._snapshot_view(found["Snapshots"][0], row)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        self._owned(Kind.volume, caller, request.volume_id)
        params: dict[str, Any] = {"VolumeId": request.volume_id}
        if request.name is not None:
            params["Description"] = request.name
            params["TagSpecifications"] = name_tags("snapshot", request.name)
        made = self.cloud.call(f"snapshotting volume {request.volume_id}", "create_snapshot", **params)
        row = self._record(caller, Kind.snapshot, made["SnapshotId"], request.name or made["SnapshotId"])
        return self._snapshot_view(made, row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        self._owned(Kind.snapshot, caller, snapshot_id, modify=True)
        self.cloud.call(f"deleting snapshot {snapshot_id}", "delete_snapshot", SnapshotId=snapshot_id)
        self._forget(snapshot_id)

    def _snapshot_rows_of(self, volume_id: str) -> list[str]:
        """Hearth snapshots of the volume (EC2 would let the volume go; the contract does not)."""
        ids = list(self._rows_by_id(Kind.snapshot, EVERYONE))
        if not ids:
            return []
        of_it = {"Name": "volume-id", "Values": [volume_id]}
        found = self.cloud.by_ids(
            "listing snapshots", "describe_snapshots", "Snapshots", "snapshot-id", ids, of_it
        )
        return [s["SnapshotId"] for s in found]

    def _snapshot_view(self, item: dict[str, Any], row: Any) -> Snapshot:
        return Snapshot(
            id=item["SnapshotId"],
            name=row.name,
            owner_id=row.owner_id,
            created=row.created,
            volume=str(item.get("VolumeId")),
            state=SNAPSHOT_STATES.get(str(item.get("State")), SnapshotState.PENDING),
        )


def _attachment(item: dict[str, Any]) -> dict[str, Any] | None:
    for a in item.get("Attachments") or []:
        if a.get("State") in ("attaching", "attached", "busy", "detaching"):
            return dict(a)
    return None
