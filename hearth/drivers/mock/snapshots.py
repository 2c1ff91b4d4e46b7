"""Mock volume snapshots: rows naming their volume, AVAILABLE at once (nothing is copied)."""

from __future__ import annotations

from hearth.store import new_id

from ..caller import Caller
from ..owned_parts import RowSnapshots
from ..resources import Snapshot, SnapshotCreate, SnapshotState
from .context import MockContext
from .rows import SNAPSHOTS, VOLUMES
from .tables import MockSnapshot


class Snapshots(RowSnapshots):
    context: MockContext
    rows = SNAPSHOTS

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        with self.context.write() as s:
            vol = VOLUMES.row(s, caller, request.volume_id, modify=True)
            snapshot_id = new_id()
            row = MockSnapshot(
                id=snapshot_id,
                name=request.name or f"snap-{snapshot_id[:8]}",
                owner_id=vol.owner_id,
                volume_id=vol.id,
                state=SnapshotState.AVAILABLE.value,
            )
            return SNAPSHOTS.add(s, row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        SNAPSHOTS.delete(self.context, caller, snapshot_id)
