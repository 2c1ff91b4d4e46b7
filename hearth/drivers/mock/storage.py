"""Mock storage volumes and snapshots."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import Conflict, InvalidState, ValidationError
from hearth.store import new_id
from hearth.store.models import MockInstance, MockSnapshot, MockVolume

from ..caller import Caller, ensure_modifiable, ensure_visible, owner_scope
from ..resources import (
    InstanceState,
    Snapshot,
    SnapshotCreate,
    SnapshotState,
    Volume,
    VolumeAttach,
    VolumeCreate,
    VolumeState,
)
from .core import effective_state
from .networking import NetworkOps

# A disk can be hot-plugged into a running guest or cold-plugged into a stopped one.
ATTACHABLE = frozenset({InstanceState.RUNNING, InstanceState.STOPPED})


def volume_model(row: MockVolume) -> Volume:
    return Volume(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        capacity_gb=row.capacity_gb,
        state=VolumeState.IN_USE if row.instance_id else VolumeState.AVAILABLE,
        realm=row.realm_id,
        instance=row.instance_id,
        device=row.device,
    )


def snapshot_model(row: MockSnapshot) -> Snapshot:
    return Snapshot(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        volume=row.volume_id,
        state=SnapshotState(row.state),
    )


class StorageOps(NetworkOps):
    # --- volumes ------------------------------------------------------------------------------

    def list_volumes(self, caller: Caller) -> list[Volume]:
        q = select(MockVolume).order_by(MockVolume.created, MockVolume.id)
        scope = owner_scope(caller)
        if scope is not None:
            q = q.where(MockVolume.owner_id.in_(scope))
        with self._read() as s:
            return [volume_model(r) for r in s.scalars(q)]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._read() as s:
            return volume_model(self._volume_row(s, caller, volume_id))

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
            return volume_model(row)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            if row.instance_id is not None:
                raise Conflict(
                    f"volume {row.id} is attached to instance {row.instance_id} as {row.device}; "
                    "detach it first",
                    volume=row.id,
                    instance=row.instance_id,
                )
            snaps = s.scalar(
                select(func.count()).select_from(MockSnapshot).where(MockSnapshot.volume_id == row.id)
            )
            if snaps:
                raise Conflict(f"volume {row.id} has {snaps} snapshot(s); delete them first", volume=row.id)
            s.delete(row)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            inst = s.get(MockInstance, request.instance_id, with_for_update=True)
            ensure_visible(caller, "instance", request.instance_id, inst.owner_id if inst else None)
            assert inst is not None
            if inst.owner_id != row.owner_id:
                raise ValidationError("a volume can only be attached to an instance of the same owner")
            if row.instance_id is not None:
                raise Conflict(
                    f"volume {row.id} is already attached to instance {row.instance_id}", volume=row.id
                )
            state, _ = effective_state(inst.state, inst.next_state, inst.next_at, self.clock())
            if state not in ATTACHABLE:
                raise InvalidState(
                    f"cannot attach a volume to instance {inst.id} while it is {state.value}; "
                    "it must be RUNNING or STOPPED",
                    instance=inst.id,
                    state=state.value,
                )
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
            return volume_model(row)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            if row.instance_id is None:
                raise Conflict(f"volume {row.id} is not attached", volume=row.id)
            row.instance_id, row.device = None, None
            s.flush()
            return volume_model(row)

    def _volume_row(self, s: Session, caller: Caller, volume_id: str, modify: bool = False) -> MockVolume:
        row = s.get(MockVolume, volume_id)
        check = ensure_modifiable if modify else ensure_visible
        check(caller, "volume", volume_id, row.owner_id if row else None)
        assert row is not None
        return row

    # --- snapshots ----------------------------------------------------------------------------

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        q = select(MockSnapshot).order_by(MockSnapshot.created, MockSnapshot.id)
        scope = owner_scope(caller)
        if scope is not None:
            q = q.where(MockSnapshot.owner_id.in_(scope))
        with self._read() as s:
            return [snapshot_model(r) for r in s.scalars(q)]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        with self._read() as s:
            return snapshot_model(self._snapshot_row(s, caller, snapshot_id))

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
            return snapshot_model(row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        with self._write() as s:
            row = self._snapshot_row(s, caller, snapshot_id, modify=True)
            s.delete(row)

    def _snapshot_row(
        self, s: Session, caller: Caller, snapshot_id: str, modify: bool = False
    ) -> MockSnapshot:
        row = s.get(MockSnapshot, snapshot_id)
        check = ensure_modifiable if modify else ensure_visible
        check(caller, "snapshot", snapshot_id, row.owner_id if row else None)
        assert row is not None
        return row
