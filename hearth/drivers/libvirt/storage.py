"""Volumes as libvirt storage volumes, attached as disks; snapshots as point-in-time volume copies.

Which instance a volume is attached to is read from the domains' definitions (the host is the
truth), so a volume detached by hand on the host shows as available here too. libvirt has no
snapshot of a bare storage volume, so a snapshot is a full copy made by libvirt in the same pool
(qcow2 keeps it sparse); a volume can be created from one.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearth.domain import Domain
from hearth.errors import Conflict, ValidationError
from hearth.store import new_id

from .. import volume_rules
from ..caller import Caller
from ..owned import owned_row, visible_rows
from ..resources import (
    Snapshot,
    SnapshotCreate,
    SnapshotState,
    Volume,
    VolumeAttach,
    VolumeCreate,
)
from ..row_models import snapshot_model, volume_model
from . import build
from .images import ImageOps
from .tables import LibvirtSnapshot, LibvirtVolume
from .volumes import GIB, clone_volume, create_volume, delete_volume, volume_info


class StorageOps(ImageOps):
    # --- volumes ------------------------------------------------------------------------------

    def list_volumes(self, caller: Caller) -> list[Volume]:
        q = visible_rows(LibvirtVolume, caller)
        with self._read() as s:
            rows = list(s.scalars(q))
        attached = self._attachments({r.realm_id for r in rows})
        return [self._volume_model(r, attached) for r in rows]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._read() as s:
            row = self._volume_row(s, caller, volume_id)
        return self._volume_model(row, self._attachments({row.realm_id}))

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        link = self._link(request.realm_id) if request.realm_id else self._default_link()
        volume_id = new_id()
        pool = self.pool_name(link)
        name = f"{self.config.prefix}vol-{volume_id}.qcow2"
        if request.snapshot_id is not None:
            with self._read() as s:
                snap = self._snapshot_row(s, caller, request.snapshot_id)
            clone_volume(link, snap.pool, snap.volume, pool, name)
        else:
            create_volume(link, pool, name, request.capacity_gb * GIB, "qcow2")
        row = LibvirtVolume(
            id=volume_id,
            name=request.name or f"vol-{volume_id[:8]}",
            owner_id=caller.user_id,
            realm_id=link.host.realm,
            pool=pool,
            volume=name,
            capacity_gb=request.capacity_gb,
        )
        try:
            with self._write() as s:
                s.add(row)
                s.flush()
        except Exception:
            delete_volume(link, pool, name)
            raise
        return self._volume_model(row, {})

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        with self._write() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
            on = self._attachments({row.realm_id}).get(self._path(row))
            snaps = s.scalar(
                select(func.count()).select_from(LibvirtSnapshot).where(LibvirtSnapshot.volume_id == row.id)
            )
            volume_rules.check_deletable(row.id, on, snaps or 0)
            delete_volume(self._link(row.realm_id), row.pool, row.volume)
            s.delete(row)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        with self._read() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
        found = self._find(caller, request.instance_id)
        volume_rules.check_same_owner(row.owner_id, found.meta.owner_id)
        if found.link.host.realm != row.realm_id:
            raise ValidationError(f"volume {row.id} is in realm {row.realm_id}, the instance is not")
        path = self._path(row)
        on = self._attachments({row.realm_id}).get(path)
        volume_rules.check_not_attached(row.id, on[0] if on else None)
        state = self._state_of(found)
        volume_rules.check_instance_state(found.id, state)
        taken = {d.target_dev for d in found.xml.devices.disks}
        if request.device in taken:
            raise Conflict(
                f"instance {found.id} already has a disk at {request.device}", device=request.device
            )
        disk = build.disk_xml(path, "qcow2", request.device)
        self._change_device(found, "attach", disk.to_xml(), lambda x: _append(x.devices.disks, disk))
        return self._volume_model(row, {path: (found.id, request.device)})

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        with self._read() as s:
            row = self._volume_row(s, caller, volume_id, modify=True)
        path = self._path(row)
        on = self._attachments({row.realm_id}).get(path)
        if on is None:
            raise Conflict(f"volume {row.id} is not attached", volume=row.id)
        found = self._find(caller, on[0])
        disk = next(d for d in found.xml.devices.disks if d.source_file == path)
        xml = disk.to_xml()

        def edit(dom_xml: Domain) -> None:
            for d in dom_xml.devices.disks:
                if d.source_file == path:
                    d.remove()

        self._change_device(found, "detach", xml, edit)
        return self._volume_model(row, {})

    def _volume_row(self, s: Session, caller: Caller, volume_id: str, modify: bool = False) -> LibvirtVolume:
        return owned_row(s, LibvirtVolume, "volume", caller, volume_id, modify)

    def _path(self, row: LibvirtVolume) -> str:
        return str(volume_info(self._link(row.realm_id), row.pool, row.volume).target_path)

    def _attachments(self, realms: set[str]) -> dict[str, tuple[str, str]]:
        """Disk file path -> (instance id, device) over this driver's instances on those realms."""
        out: dict[str, tuple[str, str]] = {}
        for realm in realms:
            for found in self._all(self._link(realm)):
                for disk in found.xml.devices.disks:
                    if disk.source_file and disk.target_dev and disk.device == "disk":
                        out[disk.source_file] = (found.id, disk.target_dev)
        return out

    def _volume_model(self, row: LibvirtVolume, attached: dict[str, tuple[str, str]]) -> Volume:
        on = attached.get(self._path(row)) if attached else None
        return volume_model(row, on[0] if on else None, on[1] if on else None)

    # --- snapshots ----------------------------------------------------------------------------

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        q = visible_rows(LibvirtSnapshot, caller)
        with self._read() as s:
            return [snapshot_model(r, SnapshotState.AVAILABLE) for r in s.scalars(q)]

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        with self._read() as s:
            return snapshot_model(self._snapshot_row(s, caller, snapshot_id), SnapshotState.AVAILABLE)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        with self._read() as s:
            vol = self._volume_row(s, caller, request.volume_id, modify=True)
        link = self._link(vol.realm_id)
        snapshot_id = new_id()
        name = f"{self.config.prefix}snap-{snapshot_id}.qcow2"
        clone_volume(link, vol.pool, vol.volume, vol.pool, name)
        row = LibvirtSnapshot(
            id=snapshot_id,
            name=request.name or f"snap-{snapshot_id[:8]}",
            owner_id=vol.owner_id,
            volume_id=vol.id,
            pool=vol.pool,
            volume=name,
        )
        try:
            with self._write() as s:
                s.add(row)
                s.flush()
                return snapshot_model(row, SnapshotState.AVAILABLE)
        except Exception:
            delete_volume(link, vol.pool, name)
            raise

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        with self._write() as s:
            row = self._snapshot_row(s, caller, snapshot_id, modify=True)
            vol = s.get(LibvirtVolume, row.volume_id)
            assert vol is not None
            delete_volume(self._link(vol.realm_id), row.pool, row.volume)
            s.delete(row)

    def _snapshot_row(
        self, s: Session, caller: Caller, snapshot_id: str, modify: bool = False
    ) -> LibvirtSnapshot:
        return owned_row(s, LibvirtSnapshot, "snapshot", caller, snapshot_id, modify)


def _append(items: object, item: object) -> None:
    items.append(item)  # type: ignore[attr-defined]
