"""Removable media on the qemu driver: cdroms in the saved design, media changed over QMP.

A running guest gets its medium with ``blockdev-change-medium`` (a remote one as a ``json:``
curl filename from ``hearth.media.attach``) and the saved design records the same drive, so the
next start sees it; a remote medium is inserted once QEMU runs (``removable``). Floppies need a
floppy controller the q35 machines here lack.
"""

from __future__ import annotations

from hearth.domain import Disk, Domain
from hearth.errors import NotSupported
from hearth.media import drives
from hearth.media.attach import RemoteOptions, qmp_medium, removable_disk
from hearth.media.urls import redact

from ..caller import Caller
from ..parts import DisksPart
from ..resources import DiskCreate, DiskUpdate, InstanceDisk, InstanceState, MediumSource, RemovableType
from .context import DesignChange, QemuContext
from .files import inside_roots
from .removable import device_id, medium_url


def _view(instance_id: str, disk: Disk) -> InstanceDisk:
    url = medium_url(disk)
    return InstanceDisk(
        dev=disk.target_dev or "",
        type=disk.device or "disk",
        bus=disk.target_bus,
        instance_id=instance_id,
        path=disk.source_path if disk.type != "network" else None,
        url=redact(url) if url else None,
        readonly=bool(disk.readonly),
    )


class Disks(DisksPart):
    context: QemuContext

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        iid, domain = self.context.saved_design(caller, instance_id)
        return [_view(iid, d) for d in domain.devices.disks if d.target_dev]

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        iid, domain = self.context.saved_design(caller, instance_id)
        return _view(iid, _drive(domain, iid, dev))

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        if request.type is RemovableType.floppy:
            raise NotSupported("the qemu driver's machines have no floppy controller; use a cdrom")
        with self.context.changing_design(caller, instance_id) as change:
            drives.check_changeable(change.instance_id, change.state)
            disks = [d for d in change.domain.devices.disks if d.target_dev]
            empty = next(
                (d for d in disks if d.device == "cdrom" and d.type != "network" and d.source_path is None),
                None,
            )
            if empty is None and change.state is InstanceState.RUNNING:
                raise drives.no_empty_drive(change.instance_id, request.type)
            if empty is not None:
                dev, bus, alias = empty.target_dev or "", empty.target_bus or "sata", empty.alias
            else:
                q35 = "q35" in (change.domain.os.machine or "q35")
                dev, bus = drives.new_drive(request.type, (d.target_dev or "" for d in disks), q35=q35)
                alias = None
            return self._put(change, dev, bus, alias, request.medium)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        with self.context.changing_design(caller, instance_id) as change:
            current = _drive(change.domain, change.instance_id, dev)
            kind = current.device or "disk"
            if kind not in drives.REMOVABLE:
                raise drives.not_removable(change.instance_id, dev, kind)
            drives.check_changeable(change.instance_id, change.state)
            return self._put(change, dev, current.target_bus or "sata", current.alias, request.medium)

    def _put(
        self, change: DesignChange, dev: str, bus: str, alias: str | None, medium: MediumSource | None
    ) -> InstanceDisk:
        roots = self.context.media_roots
        path = str(inside_roots(medium.path, roots, "cdrom")) if medium and medium.path else None
        options = (
            RemoteOptions(medium.sslverify, medium.readahead_bytes, medium.timeout_seconds)
            if medium
            else None
        )
        url = medium.url if medium else None
        disk = removable_disk("cdrom", dev, bus, path=path, url=url, options=options)
        disk.alias = alias
        if change.state is InstanceState.RUNNING:
            handle = self.context.handle(change.instance_id)
            dev_id = device_id(disk)
            if path is None and url is None:
                handle.eject(dev_id)
            else:
                handle.qmp.execute(
                    "blockdev-change-medium", qmp_medium(dev_id, path=path, url=url, options=options)
                )
        for old in [d for d in change.domain.devices.disks if d.target_dev == dev]:
            old.remove()
        change.domain.devices.disks.append(disk)
        change.save()
        return _view(change.instance_id, disk)


def _drive(domain: Domain, instance_id: str, dev: str) -> Disk:
    for disk in domain.devices.disks:
        if disk.target_dev == dev:
            return disk
    raise drives.not_found(instance_id, dev)
