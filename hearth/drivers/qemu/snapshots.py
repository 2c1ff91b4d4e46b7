"""Snapshots: internal qcow2 snapshots of a volume, kept in the volume's own file.

Snapshots of a volume a running QEMU holds open are taken (and deleted) by QEMU itself over
QMP, since its lock keeps qemu-img out; otherwise by qemu-img. The attachment is held still
meanwhile (the instance's lock), so the volume cannot move between QEMU and qemu-img mid-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hearth.errors import Conflict
from hearth.qemu import SyncVM
from hearth.store import new_id

from ..caller import Caller
from ..owned_parts import RowSnapshots
from ..resources import Snapshot, SnapshotCreate, SnapshotState
from . import hotplug, qemuimg
from .context import QemuContext
from .rows import SNAPSHOTS, VOLUMES
from .tables import QemuSnapshot, QemuVolume


class Snapshots(RowSnapshots):
    context: QemuContext
    rows = SNAPSHOTS

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        vol = VOLUMES.fetch(self.context, caller, request.volume_id, modify=True)
        snapshot_id = new_id()
        with self._volume_user(vol) as live:
            if live is not None:
                assert vol.device is not None
                hotplug.snapshot_live(live, vol.device, snapshot_id)
            else:
                qemuimg.snapshot_create(self.context.layout.volume_file(vol.id), snapshot_id)
            row = QemuSnapshot(
                id=snapshot_id,
                name=request.name or f"snap-{snapshot_id[:8]}",
                owner_id=vol.owner_id,
                volume_id=vol.id,
                state=SnapshotState.AVAILABLE.value,
            )
            return SNAPSHOTS.create(self.context, row)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        with self.context.read() as s:
            snap = SNAPSHOTS.row(s, caller, snapshot_id, modify=True)
            vol = s.get(QemuVolume, snap.volume_id)
            assert vol is not None
        with self._volume_user(vol) as live:
            path = self.context.layout.volume_file(vol.id)
            if live is not None:
                assert vol.device is not None
                hotplug.delete_snapshot_live(live, vol.device, snap.id)
            elif snap.id in qemuimg.snapshot_tags(path):
                qemuimg.snapshot_delete(path, snap.id)
            with self.context.write() as s:
                row = s.get(QemuSnapshot, snap.id)
                if row is not None:
                    s.delete(row)

    @contextmanager
    def _volume_user(self, vol: QemuVolume) -> Iterator[SyncVM | None]:
        """Hold the lock of the instance the volume is attached to; yield its QEMU if that runs.

        A running QEMU owns the file (its lock keeps qemu-img out), so changes go through it.
        """
        if vol.instance_id is None:
            yield None
            return
        with self.context.instance_lock(vol.instance_id):
            with self.context.read() as s:
                now = s.get(QemuVolume, vol.id)
            if now is None or now.instance_id != vol.instance_id:
                raise Conflict(
                    f"volume {vol.id} was attached or detached meanwhile; try again", volume=vol.id
                )
            yield self.context.live_handle(vol.instance_id)
