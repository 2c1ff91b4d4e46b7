"""Mock storage volumes and snapshots."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import Conflict
from hearth.store import new_id

from .. import volume_rules
from ..caller import Caller, ensure_visible
from ..owned import owned_row, visible_rows
from ..resources import (
    Snapshot,
    SnapshotCreate,
    SnapshotState,
    Volume,
    VolumeAttach,
    VolumeCreate,
)
from ..row_models import attached_volume_model, stored_snapshot_model
from .core import effective_state
from .networking import NetworkOps
from .tables import MockInstance, MockSnapshot, MockVolume


class StorageOps(NetworkOps):
    # --- volumes ------------------------------------------------------------------------------

    def list_volumes(self, caller: Caller) -> list[Volume]:
        q = visible_rows(MockVolume, caller)
        with self._read() as s:
            return [attached_volume_model(r) for r in s.scalars(q)]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._read() as s:
            return attached_volume_model(self._volume_row(s, caller, volume_id))

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        with self._write() as s:
            realm = self._usable_realm(s, caller, request.realm_id)
            volume_id = new_id()
            row = MockVolume(
                id=volume_id,
                name=request.name or f"vol-{volume_id[:8]}",
                owner_id=caller.user_id,
                capacity_gb=request.capacity_gb,
                realm_id=realm.id,
            )
            s.add(row)
            s.flush()
            return attached_volume_model(row)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            snaps = s.scalar(
                select(func.count()).select_from(MockSnapshot).where(MockSnapshot.volume_id == row.id)
            )
            attached = (row.instance_id, row.device) if row.instance_id is not None else None
            volume_rules.check_deletable(row.id, attached, snaps or 0)
            s.delete(row)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            inst = s.get(MockInstance, request.instance_id, with_for_update=True)
            ensure_visible(caller, "instance", request.instance_id, inst.owner_id if inst else None)
            assert inst is not None
            volume_rules.check_same_owner(row.owner_id, inst.owner_id)
            volume_rules.check_not_attached(row.id, row.instance_id)
            state, _ = effective_state(inst.state, inst.next_state, inst.next_at, self.clock())
            volume_rules.check_instance_state(inst.id, state)
            taken = s.scalar(
                select(MockVolume.id).where(
                    MockVolume.instance_id == inst.id, MockVolume.device == request.device
                )
            )
            if taken is not None:
                raise Conflict(
                    f"instance {inst.id} already has volume {taken} at {request.device}",
                    device=request.device,
                )
            row.instance_id, row.device = inst.id, request.device
            try:
                s.flush()
            except IntegrityError:
                raise Conflict(f"device {request.device} of instance {inst.id} is taken") from None
            return attached_volume_model(row)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            if row.instance_id is None:
                raise Conflict(f"volume {row.id} is not attached", volume=row.id)
            row.instance_id, row.device = None, None
            s.flush()
            return attached_volume_model(row)

    def _volume_row(self, s: Session, caller: Caller, volume_id: str, modify: bool = False) -> MockVolume:
        return owned_row(s, MockVolume, "volume", caller, volume_id, modify)

    # --- snapshots ----------------------------------------------------------------------------

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        q = visible_rows(MockSnapshot, caller)
        with self._read() as s:
            return [stored_snapshot_model(r) for r in s.scalars(q)]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        with self._read() as s:
            return stored_snapshot_model(self._snapshot_row(s, caller, snapshot_id))

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        with self._write() as s:
            vol = self._volume_row(s, caller, request.volume_id, modify=True)
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
        with self._write() as s:
            row = self._snapshot_row(s, caller, snapshot_id, modify=True)
            s.delete(row)

    def _snapshot_row(
        self, s: Session, caller: Caller, snapshot_id: str, modify: bool = False
    ) -> MockSnapshot:
        return owned_row(s, MockSnapshot, "snapshot", caller, snapshot_id, modify)
