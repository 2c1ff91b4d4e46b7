"""Volumes: qcow2 files in ``volumes/``, attached to instances as virtio disks.

Attaching to a RUNNING instance hot-plugs the disk; to a STOPPED one it only records the
attachment, and every start plugs the recorded volumes in. The store row is written first, so
two requests cannot claim one device, and is rolled back if QEMU refuses the disk. A volume may
be made from a snapshot (``snapshots``): a copy of the volume as it was then.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import Conflict, InvalidState, ValidationError
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState

from .. import volume_rules
from ..caller import Caller
from ..owned_parts import RowVolumes
from ..resources import (
    Volume,
    VolumeAttach,
    VolumeCreate,
)
from . import catalogue, design, hotplug, qemuimg
from .context import QemuContext
from .design import serial_of
from .files import file_errors
from .rows import INSTANCES, SNAPSHOTS, VOLUMES
from .tables import QemuInstance, QemuSnapshot, QemuVolume

GiB = qemuimg.GiB


class Volumes(RowVolumes):
    context: QemuContext
    rows = VOLUMES

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        realm = catalogue.realm(request.realm_id or catalogue.REALM_ID)
        source: tuple[QemuVolume, QemuSnapshot] | None = None
        if request.snapshot_id is not None:
            with self.context.read() as s:
                snap = SNAPSHOTS.row(s, caller, request.snapshot_id)
                vol = s.get(QemuVolume, snap.volume_id)
                assert vol is not None
            if request.capacity_gb < vol.capacity_gb:
                raise ValidationError(
                    f"a volume made from snapshot {snap.id} needs at least {vol.capacity_gb} GB",
                    capacity_gb=request.capacity_gb,
                )
            source = (vol, snap)
        volume_id = new_id()
        path = self.context.layout.volume_file(volume_id)
        size = request.capacity_gb * GiB
        try:
            if source is None:
                qemuimg.create(path, size)
            else:
                vol, snap = source
                # The snapshot's data never changes, so reading it while a guest runs is sound.
                qemuimg.convert(
                    self.context.layout.volume_file(vol.id),
                    path,
                    src_format="qcow2",
                    snapshot=snap.id,
                    force_share=True,
                )
                if size > qemuimg.virtual_size(path, "qcow2"):
                    qemuimg.resize(path, size)
            row = QemuVolume(
                id=volume_id,
                name=request.name or f"vol-{volume_id[:8]}",
                owner_id=caller.user_id,
                capacity_gb=request.capacity_gb,
                realm_id=realm.id,
            )
            return VOLUMES.create(self.context, row)
        except BaseException:
            with file_errors("removing a half-made volume"):
                path.unlink(missing_ok=True)
            raise

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        def check(s: Session, row: QemuVolume) -> None:
            volume_rules.check_row_deletable(row, SNAPSHOTS.count_of(s, row.id))

        VOLUMES.delete(self.context, caller, volume_id, check)
        with file_errors(f"removing volume {volume_id}"):
            self.context.layout.volume_file(volume_id).unlink(missing_ok=True)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self.context.read() as s:
            vol = VOLUMES.row(s, caller, volume_id, modify=True)
            inst = INSTANCES.row(s, caller, request.instance_id)
        volume_rules.check_same_owner(vol.owner_id, inst.owner_id)
        with self.context.instance_lock(inst.id):
            volume_rules.check_not_attached(vol.id, vol.instance_id)
            state = self.context.observe_row(inst).state
            volume_rules.check_instance_state(inst.id, state)
            self._claim_device(inst.id, vol.id, request.device)
            if state is InstanceState.RUNNING:
                try:
                    hotplug.plug_disk(
                        self.context.handle(inst.id),
                        request.device,
                        self.context.layout.volume_file(vol.id),
                        serial_of(vol.id),
                    )
                except BaseException:
                    self._release_device(vol.id)
                    raise
            return self.get_volume(caller, vol.id)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        vol = VOLUMES.fetch(self.context, caller, volume_id, modify=True)
        if vol.instance_id is None or vol.device is None:
            raise Conflict(f"volume {vol.id} is not attached", volume=vol.id)
        with self.context.instance_lock(vol.instance_id):
            with self.context.read() as s:
                inst = s.get(QemuInstance, vol.instance_id)
                current = s.get(QemuVolume, vol.id)
            if current is None or current.instance_id != vol.instance_id or inst is None:
                raise Conflict(f"volume {vol.id} was detached meanwhile", volume=vol.id)
            state = self.context.observe_row(inst).state
            if state is InstanceState.RUNNING:
                hotplug.unplug_disk(self.context.handle(inst.id), vol.device)
            elif state not in (InstanceState.STOPPED, InstanceState.ERROR):
                raise InvalidState(
                    f"cannot detach a volume from instance {inst.id} while it is {state.value}",
                    instance=inst.id,
                    state=state.value,
                )
            self._release_device(vol.id)
        return self.get_volume(caller, vol.id)

    def _claim_device(self, instance_id: str, volume_id: str, device: str) -> None:
        domain = design.load(self.context.layout.instance_dir(instance_id))
        if device in design.targets(domain):
            raise Conflict(
                f"device {device} of instance {instance_id} is one of its own disks", device=device
            )
        try:
            with self.context.write() as s:
                row = s.get(QemuVolume, volume_id)
                assert row is not None
                if row.instance_id is not None:
                    raise Conflict(f"volume {volume_id} is already attached", volume=volume_id)
                others = list(s.scalars(select(QemuVolume).where(QemuVolume.instance_id == instance_id)))
                holder = next((o for o in others if o.device == device), None)
                if holder is not None:
                    raise Conflict(
                        f"instance {instance_id} already has volume {holder.id} at {device}", device=device
                    )
                if design.free_slots(domain, len(others)) < 1:
                    raise Conflict(f"instance {instance_id} has no free slot for another disk")
                row.instance_id, row.device = instance_id, device
                s.flush()
        except IntegrityError:
            raise Conflict(f"device {device} of instance {instance_id} is taken", device=device) from None

    def _release_device(self, volume_id: str) -> None:
        with self.context.write() as s:
            row = s.get(QemuVolume, volume_id)
            if row is not None:
                row.instance_id, row.device = None, None
