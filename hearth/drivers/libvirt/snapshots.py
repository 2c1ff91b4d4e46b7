"""Snapshots as point-in-time copies of a volume, in the volume's pool.

libvirt has no snapshot of a bare storage volume, so a snapshot is a full copy made by libvirt
in the same pool (qcow2 keeps it sparse); a volume can be created from one (``volumes``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearth.store import new_id

from ..caller import Caller
from ..owned_parts import RowSnapshots
from ..resources import Snapshot, SnapshotCreate
from .context import LibvirtContext
from .pool_volumes import clone_volume, delete_volume
from .rows import SNAPSHOTS, VOLUMES
from .tables import LibvirtSnapshot, LibvirtVolume


class Snapshots(RowSnapshots):
    context: LibvirtContext
    rows = SNAPSHOTS

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        ctx = self.context
        vol = VOLUMES.fetch(ctx, caller, request.volume_id, modify=True)
        link = ctx.link(vol.realm_id)
        snapshot_id = new_id()
        name = f"{ctx.config.prefix}snap-{snapshot_id}.qcow2"
        clone_volume(link, vol.pool, vol.volume, vol.pool, name)
        row = LibvirtSnapshot(
            id=snapshot_id,
            name=request.name or f"snap-{snapshot_id[:8]}",
            owner_id=vol.owner_id,
            volume_id=vol.id,
            pool=vol.pool,
            volume=name,
        )
        return SNAPSHOTS.create(ctx, row, lambda: delete_volume(link, vol.pool, name))

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        def remove_copy(s: Session, row: LibvirtSnapshot) -> None:
            vol = s.get(LibvirtVolume, row.volume_id)
            assert vol is not None
            delete_volume(self.context.link(vol.realm_id), row.pool, row.volume)

        SNAPSHOTS.delete(self.context, caller, snapshot_id, remove_copy)
