"""Mock storage volumes: rows with a capacity and, while attached, an instance and device."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import Conflict
from hearth.store import new_id

from .. import volume_rules
from ..caller import Caller
from ..owned_parts import RowVolumes
from ..resources import Volume, VolumeAttach, VolumeCreate
from ..row_models import attached_volume_model
from .context import MockContext
from .lookups import usable_realm
from .rows import SNAPSHOTS, VOLUMES
from .tables import MockVolume
from .watch import device_event


class Volumes(RowVolumes):
    context: MockContext
    rows = VOLUMES

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
            return VOLUMES.add(s, row)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        VOLUMES.delete(self.context, caller, volume_id, _check_deletable)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self.context.write() as s:
            row = VOLUMES.row(s, caller, volume_id, modify=True)
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
            volume, owner = attached_volume_model(row), inst.owner_id
        self._device(request.instance_id, owner, "attached", volume.id)
        return volume

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self.context.write() as s:
            row = VOLUMES.row(s, caller, volume_id, modify=True)
            if row.instance_id is None:
                raise Conflict(f"volume {row.id} is not attached", volume=row.id)
            held_by, owner = row.instance_id, row.owner_id
            row.instance_id, row.device = None, None
            s.flush()
            volume = attached_volume_model(row)
        self._device(held_by, owner, "detached", volume.id)
        return volume

    def _device(self, instance_id: str, owner: str, change: str, volume_id: str) -> None:
        events = self.context.events
        if events.watched:
            events.emit(device_event(instance_id, owner, "volume", change, volume_id))


def _check_deletable(s: Session, row: MockVolume) -> None:
    volume_rules.check_row_deletable(row, SNAPSHOTS.count_of(s, row.id))
