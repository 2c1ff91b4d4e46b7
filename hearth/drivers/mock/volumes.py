"""Mock storage volumes: rows with a capacity and, while attached, an instance and device."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import Conflict
from hearth.store import new_id

from .. import volume_rules
from ..caller import Caller
from ..owned import owned_row, visible_rows
from ..parts import VolumesPart
from ..resources import Volume, VolumeAttach, VolumeCreate
from ..row_models import attached_volume_model
from .context import MockContext
from .lookups import usable_realm
from .tables import MockSnapshot, MockVolume


class Volumes(VolumesPart):
    context: MockContext

    def list_volumes(self, caller: Caller) -> list[Volume]:
        q = visible_rows(MockVolume, caller)
        with self.context.read() as s:
            return [attached_volume_model(r) for r in s.scalars(q)]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self.context.read() as s:
            return attached_volume_model(_volume_row(s, caller, volume_id))

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        with self.context.write() as s:
            realm = usable_realm(s, caller, request.realm_id)
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
        with self.context.write() as s:
            row = _volume_row(s, caller, volume_id, modify=True)
            snaps = s.scalar(
                select(func.count()).select_from(MockSnapshot).where(MockSnapshot.volume_id == row.id)
            )
            attached = (row.instance_id, row.device) if row.instance_id is not None else None
            volume_rules.check_deletable(row.id, attached, snaps or 0)
            s.delete(row)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self.context.write() as s:
            row = _volume_row(s, caller, volume_id, modify=True)
            inst, state = self.context.instance_state(s, caller, request.instance_id, lock=True)
            volume_rules.check_same_owner(row.owner_id, inst.owner_id)
            volume_rules.check_not_attached(row.id, row.instance_id)
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
        with self.context.write() as s:
            row = _volume_row(s, caller, volume_id, modify=True)
            if row.instance_id is None:
                raise Conflict(f"volume {row.id} is not attached", volume=row.id)
            row.instance_id, row.device = None, None
            s.flush()
            return attached_volume_model(row)


def _volume_row(s: Session, caller: Caller, volume_id: str, modify: bool = False) -> MockVolume:
    return owned_row(s, MockVolume, "volume", caller, volume_id, modify)
