"""Mock volume snapshots: rows naming their volume, AVAILABLE at once (nothing is copied)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearth.store import new_id

from ..caller import Caller
from ..owned import owned_row, visible_rows
from ..parts import SnapshotsPart
from ..resources import Snapshot, SnapshotCreate, SnapshotState
from ..row_models import stored_snapshot_model
from .context import MockContext
from .tables import MockSnapshot, MockVolume


class Snapshots(SnapshotsPart):
    context: MockContext

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        q = visible_rows(MockSnapshot, caller)
        with self.context.read() as s:
            return [stored_snapshot_model(r) for r in s.scalars(q)]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        with self.context.read() as s:
            return stored_snapshot_model(_snapshot_row(s, caller, snapshot_id))

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        with self.context.write() as s:
            vol = owned_row(s, MockVolume, "volume", caller, request.volume_id, modify=True)
            snapshot_id = new_id()
            row = MockSnapshot(
                id=snapshot_id,
                name=request.name or f"snap-{snapshot_id[:8]}",
                owner_id=vol.owner_id,
                volume_id=vol.id,
                state=SnapshotState.AVAILABLE.value,
            )
            s.add(row)
            s.flush()
            return stored_snapshot_model(row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        with self.context.write() as s:
            row = _snapshot_row(s, caller, snapshot_id, modify=True)
            s.delete(row)


def _snapshot_row(s: Session, caller: Caller, snapshot_id: str, modify: bool = False) -> MockSnapshot:
    return owned_row(s, MockSnapshot, "snapshot", caller, snapshot_id, modify)
