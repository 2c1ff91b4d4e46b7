"""Snapshots (EBS) of the caller's volumes."""

from __future__ import annotations

from typing import Any

from ..caller import Caller
from ..parts import SnapshotsPart
from ..resources import Snapshot, SnapshotCreate, SnapshotState
from .context import Ec2Context, Kind
from .tables import Ec2Object
from .tags import name_tags

SNAPSHOT_STATES = {"completed": SnapshotState.AVAILABLE, "pending": SnapshotState.PENDING}


class Snapshots(SnapshotsPart):
    context: Ec2Context

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        found = self.context.described(
            Kind.snapshot, caller, "describe_snapshots", "Snapshots", "snapshot-id", "SnapshotId"
        )
        return [_view(item, row) for item, row in found]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        row = self.context.owned(Kind.snapshot, caller, snapshot_id)
        found = self.context.cloud.call(
            f"reading snapshot {snapshot_id}", "describe_snapshots", SnapshotIds=[snapshot_id]
        )
        return _view(found["Snapshots"][0], row)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        ctx = self.context
        ctx.owned(Kind.volume, caller, request.volume_id)
        params: dict[str, Any] = {"VolumeId": request.volume_id}
        if request.name is not None:
            params["Description"] = request.name
            params["TagSpecifications"] = name_tags("snapshot", request.name)
        made = ctx.cloud.call(f"snapshotting volume {request.volume_id}", "create_snapshot", **params)
        row = ctx.record(caller, Kind.snapshot, made["SnapshotId"], request.name or made["SnapshotId"])
        return _view(made, row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        self.context.owned(Kind.snapshot, caller, snapshot_id, modify=True)
        self.context.cloud.call(f"deleting snapshot {snapshot_id}", "delete_snapshot", SnapshotId=snapshot_id)
        self.context.forget(snapshot_id)


def _view(item: dict[str, Any], row: Ec2Object) -> Snapshot:
    return Snapshot(
        id=item["SnapshotId"],
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        volume=str(item.get("VolumeId")),
        state=SNAPSHOT_STATES.get(str(item.get("State")), SnapshotState.PENDING),
    )
