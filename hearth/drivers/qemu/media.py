"""Removable media on the qemu driver: cdroms in the saved design, media changed over QMP.

A running guest gets its medium with ``blockdev-change-medium`` (a remote one as a ``json:``
curl filename from ``hearth.media.attach``) and the saved design records the same drive, so the
next start sees it. ``hearth.qemu`` builds machines from file and block disks only, so at start
a remote medium is held back from the design (``split_remote``) and inserted over QMP once QEMU
runs (``insert_remote``). Floppies need a floppy controller the q35 machines here lack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hearth.domain import Disk, Domain
from hearth.errors import NotSupported
from hearth.media import drives
from hearth.media.attach import RemoteOptions, qmp_medium, removable_disk
from hearth.media.urls import redact
from hearth.qemu import SyncVM

from ..caller import Caller
from ..resources import DiskCreate, DiskUpdate, InstanceDisk, InstanceState, MediumSource, RemovableType
from . import design
from .core import inside_roots
from .instances import InstanceOps


@dataclass(frozen=True)
class RemoteMedium:
    device_id: str
    url: str
    options: RemoteOptions


def _device_id(disk: Disk) -> str:
    # The id hearth.qemu gives a disk's device: its alias when usable, else the target dev.
    alias = disk.alias or ""
    return alias if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", alias) else (disk.target_dev or "")


def _url(disk: Disk) -> str | None:
    if disk.type != "network" or not disk.source_protocol or not disk.source_hosts:
        return None
    host = disk.source_hosts[0]
    port = f":{host.port}" if host.port else ""
    query = f"?{disk.source_query}" if disk.source_query else ""
    return f"{disk.source_protocol}://{host.name}{port}{disk.source_name or ''}{query}"


def _options(disk: Disk) -> RemoteOptions:
    verify = disk.source_ssl_verify
    return RemoteOptions(
        True if verify is None else verify, disk.source_readahead_bytes, disk.source_timeout_seconds
    )


def _view(instance_id: str, disk: Disk) -> InstanceDisk:
    url = _url(disk)
    return InstanceDisk(
        dev=disk.target_dev or "",
        type=disk.device or "disk",
        bus=disk.target_bus,
        instance_id=instance_id,
        path=disk.source_path if disk.type != "network" else None,
        url=redact(url) if url else None,
        readonly=bool(disk.readonly),
    )


def split_remote(domain: Domain) -> tuple[Domain, list[RemoteMedium]]:
    """The design with remote media taken out of their drives, and what to insert after start."""
    bootable = Domain.from_xml(domain.to_xml())
    remote: list[RemoteMedium] = []
    for disk in list(bootable.devices.disks):
        url = _url(disk)
        if url is None:
            continue
        remote.append(RemoteMedium(_device_id(disk), url, _options(disk)))
        empty = removable_disk(disk.device or "cdrom", disk.target_dev or "", disk.target_bus or "sata")
        empty.alias = disk.alias
        disk.remove()
        bootable.devices.disks.append(empty)
    return bootable, remote


def insert_remote(handle: SyncVM, media: list[RemoteMedium]) -> None:
    """Put held-back remote media in their drives; a guest that cannot get them is not left running."""
    try:
        for m in media:
            handle.qmp.execute(
                "blockdev-change-medium", qmp_medium(m.device_id, url=m.url, options=m.options)
            )
    except BaseException:
        handle.kill()
        raise


class DiskOps(InstanceOps):
    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        row = self._instance_row(caller, instance_id)
        domain = design.load(self.layout.instance_dir(row.id))
        return [_view(row.id, d) for d in domain.devices.disks if d.target_dev]

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        row = self._instance_row(caller, instance_id)
        domain = design.load(self.layout.instance_dir(row.id))
        return _view(row.id, _drive(domain, row.id, dev))

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        if request.type is RemovableType.floppy:
            raise NotSupported("the qemu driver's machines have no floppy controller; use a cdrom")
        row = self._instance_row(caller, instance_id)
        with self._instance_lock(row.id):
            state = self._observe_row(row).state
            drives.check_changeable(row.id, state)
            where = self.layout.instance_dir(row.id)
            domain = design.load(where)
            disks = [d for d in domain.devices.disks if d.target_dev]
            empty = next(
                (d for d in disks if d.device == "cdrom" and d.type != "network" and d.source_path is None),
                None,
            )
            if empty is None and state is InstanceState.RUNNING:
                raise drives.no_empty_drive(row.id, request.type)
            if empty is not None:
                dev, bus, alias = empty.target_dev or "", empty.target_bus or "sata", empty.alias
            else:
                q35 = "q35" in (domain.os.machine or "q35")
                dev, bus = drives.new_drive(request.type, (d.target_dev or "" for d in disks), q35=q35)
                alias = None
            return self._put(row.id, state, domain, dev, bus, alias, request.medium)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        row = self._instance_row(caller, instance_id)
        with self._instance_lock(row.id):
            state = self._observe_row(row).state
            where = self.layout.instance_dir(row.id)
            domain = design.load(where)
            current = _drive(domain, row.id, dev)
            kind = current.device or "disk"
            if kind not in drives.REMOVABLE:
                raise drives.not_removable(row.id, dev, kind)
            drives.check_changeable(row.id, state)
            return self._put(
                row.id, state, domain, dev, current.target_bus or "sata", current.alias, request.medium
            )

    def _put(
        self,
        instance_id: str,
        state: InstanceState,
        domain: Domain,
        dev: str,
        bus: str,
        alias: str | None,
        medium: MediumSource | None,
    ) -> InstanceDisk:
        path = str(inside_roots(medium.path, self.media_roots, "cdrom")) if medium and medium.path else None
        options = (
            RemoteOptions(medium.sslverify, medium.readahead_bytes, medium.timeout_seconds)
            if medium
            else None
        )
        url = medium.url if medium else None
        disk = removable_disk("cdrom", dev, bus, path=path, url=url, options=options)
        disk.alias = alias
        if state is InstanceState.RUNNING:
            handle = self._handle(instance_id)
            device_id = _device_id(disk)
            if path is None and url is None:
                handle.eject(device_id)
            else:
                handle.qmp.execute(
                    "blockdev-change-medium", qmp_medium(device_id, path=path, url=url, options=options)
                )
        for old in [d for d in domain.devices.disks if d.target_dev == dev]:
            old.remove()
        domain.devices.disks.append(disk)
        design.save(domain, self.layout.instance_dir(instance_id))
        return _view(instance_id, disk)


def _drive(domain: Domain, instance_id: str, dev: str) -> Disk:
    for disk in domain.devices.disks:
        if disk.target_dev == dev:
            return disk
    raise drives.not_found(instance_id, dev)
