"""Volumes as libvirt storage volumes in the pool, attached to instances as disks.

Which instance a volume is attached to is read from the domains' definitions (the host is the
truth), so a volume detached by hand on the host shows as available here too. A volume made
from a snapshot is a full copy of the snapshot's volume (``snapshots``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearth.domain import Domain
from hearth.errors import Conflict, ValidationError
from hearth.store import new_id
from hearth.vocab.disk_devices import FixedDiskDevice

from .. import volume_rules
from ..caller import Caller
from ..parts import VolumesPart
from ..resources import Volume, VolumeAttach, VolumeCreate
from ..row_models import volume_model
from . import build
from .context import LibvirtContext
from .pool_volumes import GIB, clone_volume, create_volume, delete_volume, volume_info
from .rows import SNAPSHOTS, VOLUMES
from .tables import LibvirtVolume

# Where each volume is attached: its disk file path -> (instance id, device).
Attachments = dict[str, tuple[str, str]]


class Volumes(VolumesPart):
    context: LibvirtContext

    def list_volumes(self, caller: Caller) -> list[Volume]:
        with self.context.read() as s:
            rows = VOLUMES.rows(s, caller)
        attached = self._attachments({r.realm_id for r in rows})
        return [self._volume_model(r, attached) for r in rows]

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        row = VOLUMES.fetch(self.context, caller, volume_id)
        return self._volume_model(row, self._attachments({row.realm_id}))

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self.require_features(request)
        ctx = self.context
        link = ctx.link(request.realm_id) if request.realm_id else ctx.default_link()
        volume_id = new_id()
        pool = ctx.pool_name(link)
        name = f"{ctx.config.prefix}vol-{volume_id}.qcow2"
        if request.snapshot_id is not None:
            snap = SNAPSHOTS.fetch(ctx, caller, request.snapshot_id)
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
        return self._volume_model(VOLUMES.insert(ctx, row, lambda: delete_volume(link, pool, name)), {})

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        def check(s: Session, row: LibvirtVolume) -> None:
            on = self._attachments({row.realm_id}).get(self._path(row))
            volume_rules.check_deletable(row.id, on, SNAPSHOTS.count_of(s, row.id))
            delete_volume(self.context.link(row.realm_id), row.pool, row.volume)

        VOLUMES.delete(self.context, caller, volume_id, check)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        ctx = self.context
        row = VOLUMES.fetch(ctx, caller, volume_id, modify=True)
        found = ctx.find(caller, request.instance_id)
        volume_rules.check_same_owner(row.owner_id, found.meta.owner_id)
        if found.link.host.realm != row.realm_id:
            raise ValidationError(f"volume {row.id} is in realm {row.realm_id}, the instance is not")
        path = self._path(row)
        on = self._attachments({row.realm_id}).get(path)
        volume_rules.check_not_attached(row.id, on[0] if on else None)
        state = ctx.state_of(found)
        volume_rules.check_instance_state(found.id, state)
        taken = {d.target_dev for d in found.xml.devices.disks}
        if request.device in taken:
            raise Conflict(
                f"instance {found.id} already has a disk at {request.device}", device=request.device
            )
        disk = build.disk_xml(path, "qcow2", request.device)

        def edit(dom_xml: Domain) -> None:
            dom_xml.devices.disks.append(disk)

        ctx.change_device(found, "attach", disk.to_xml(), edit)
        return self._volume_model(row, {path: (found.id, request.device)})

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        ctx = self.context
        row = VOLUMES.fetch(ctx, caller, volume_id, modify=True)
        path = self._path(row)
        on = self._attachments({row.realm_id}).get(path)
        if on is None:
            raise Conflict(f"volume {row.id} is not attached", volume=row.id)
        found = ctx.find(caller, on[0])
        disk = next(d for d in found.xml.devices.disks if d.source_file == path)
        xml = disk.to_xml()

        def edit(dom_xml: Domain) -> None:
            for d in dom_xml.devices.disks:
                if d.source_file == path:
                    d.remove()

        ctx.change_device(found, "detach", xml, edit)
        return self._volume_model(row, {})

    def _path(self, row: LibvirtVolume) -> str:
        return str(volume_info(self.context.link(row.realm_id), row.pool, row.volume).target_path)

    def _attachments(self, realms: set[str]) -> Attachments:
        """Disk file path -> (instance id, device) over this driver's instances on those realms."""
        out: Attachments = {}
        for realm in realms:
            for found in self.context.instances_on(self.context.link(realm)):
                for disk in found.xml.devices.disks:
                    if disk.source_file and disk.target_dev and disk.device == FixedDiskDevice.disk:
                        out[disk.source_file] = (found.id, disk.target_dev)
        return out

    def _volume_model(self, row: LibvirtVolume, attached: Attachments) -> Volume:
        on = attached.get(self._path(row)) if attached else None
        return volume_model(row, on[0] if on else None, on[1] if on else None)
