"""Removable media on libvirt: cdrom/floppy ``<disk>`` devices, media changed live and persistently.

A medium change is libvirt's device *update* of the drive (a live tray change when the guest
runs); a new drive is a device attach, only while the instance is stopped. Remote media is a
network disk QEMU reads itself (``hearth.media.attach``); a local file on this host must lie
inside the driver's allowed directories or a media source, and be reachable by QEMU, like every
other host file a request names.
"""

from __future__ import annotations

from hearth.domain import Disk, Domain
from hearth.media import drives
from hearth.media.attach import RemoteOptions, removable_disk
from hearth.media.urls import redact

from ..caller import Caller
from ..parts import DisksPart
from ..resources import DiskCreate, DiskUpdate, InstanceDisk, InstanceState, MediumSource, RemovableType
from .context import Found, LibvirtContext


def _url(disk: Disk) -> str | None:
    if disk.type != "network" or not disk.source_protocol or not disk.source_hosts:
        return None
    host = disk.source_hosts[0]
    port = f":{host.port}" if host.port else ""
    query = f"?{disk.source_query}" if disk.source_query else ""
    return redact(f"{disk.source_protocol}://{host.name}{port}{disk.source_name or ''}{query}")


def _view(instance_id: str, disk: Disk) -> InstanceDisk:
    return InstanceDisk(
        dev=disk.target_dev or "",
        type=disk.device or "disk",
        bus=disk.target_bus,
        instance_id=instance_id,
        path=disk.source_path if disk.type != "network" else None,
        url=_url(disk),
        readonly=bool(disk.readonly),
    )


def _empty(disk: Disk) -> bool:
    return disk.type != "network" and disk.source_path is None


class Disks(DisksPart):
    context: LibvirtContext

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        found = self.context.find(caller, instance_id)
        return [_view(found.id, d) for d in found.xml.devices.disks if d.target_dev]

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        found = self.context.find(caller, instance_id)
        return _view(found.id, _drive(found, dev))

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        found = self.context.find(caller, instance_id)
        state = self.context.state_of(found)
        drives.check_changeable(found.id, state)
        disks = [d for d in found.xml.devices.disks if d.target_dev]
        empty = next((d for d in disks if d.device == request.type.value and _empty(d)), None)
        if empty is not None:
            assert empty.target_dev is not None
            return self._insert(
                caller, found, empty.target_dev, request.type, empty.target_bus or "", request.medium
            )
        if state is InstanceState.RUNNING:
            raise drives.no_empty_drive(found.id, request.type)
        q35 = "q35" in (found.xml.os.machine or "")
        dev, bus = drives.new_drive(request.type, (d.target_dev or "" for d in disks), q35=q35)
        disk = self._medium_disk(caller, found, request.type.value, dev, bus, request.medium)

        def edit(xml: Domain) -> None:
            xml.devices.disks.append(Disk.from_xml(disk.to_xml()))

        self.context.change_device(found, "attach", disk.to_xml(), edit)
        return self.get_disk(caller, instance_id, dev)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        found = self.context.find(caller, instance_id)
        current = _drive(found, dev)
        kind = current.device or "disk"
        if kind not in drives.REMOVABLE:
            raise drives.not_removable(found.id, dev, kind)
        drives.check_changeable(found.id, self.context.state_of(found))
        return self._insert(caller, found, dev, RemovableType(kind), current.target_bus or "", request.medium)

    def _medium_disk(
        self, caller: Caller, found: Found, kind: str, dev: str, bus: str, medium: MediumSource | None
    ) -> Disk:
        if medium is None:
            return removable_disk(kind, dev, bus)
        if medium.path is not None:
            path = self.context.host_file(found.link, kind, medium.path, caller)
            return removable_disk(kind, dev, bus, path=path)
        options = RemoteOptions(medium.sslverify, medium.readahead_bytes, medium.timeout_seconds)
        return removable_disk(kind, dev, bus, url=medium.url, options=options)

    def _insert(
        self,
        caller: Caller,
        found: Found,
        dev: str,
        kind: RemovableType,
        bus: str,
        medium: MediumSource | None,
    ) -> InstanceDisk:
        disk = self._medium_disk(caller, found, kind.value, dev, bus, medium)

        def edit(xml: Domain) -> None:
            for old in [d for d in xml.devices.disks if d.target_dev == dev]:
                old.remove()
            xml.devices.disks.append(Disk.from_xml(disk.to_xml()))

        self.context.change_device(found, "update", disk.to_xml(), edit)
        return _view(found.id, disk)


def _drive(found: Found, dev: str) -> Disk:
    for disk in found.xml.devices.disks:
        if disk.target_dev == dev:
            return disk
    raise drives.not_found(found.id, dev)
