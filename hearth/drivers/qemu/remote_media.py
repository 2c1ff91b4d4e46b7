"""Removable drives of a saved design as QEMU sees them, shared by the disks and instances parts.

``hearth.qemu`` builds machines from file and block disks only, so at start a remote medium is
held back from the design (``split_remote``) and inserted over QMP once QEMU runs
(``insert_remote``), into the drive ``device_id`` names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hearth.domain import Disk, Domain
from hearth.media.attach import RemoteOptions, medium_url, qmp_medium, removable_disk
from hearth.qemu import SyncVM
from hearth.vocab.disk_devices import RemovableType


@dataclass(frozen=True)
class RemoteMedium:
    device_id: str
    url: str
    options: RemoteOptions


def device_id(disk: Disk) -> str:
    """The id hearth.qemu gives a disk's device: its alias when usable, else the target dev."""
    alias = disk.alias or ""
    return alias if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", alias) else (disk.target_dev or "")


def _options(disk: Disk) -> RemoteOptions:
    verify = disk.source_ssl_verify
    return RemoteOptions(
        True if verify is None else verify, disk.source_readahead_bytes, disk.source_timeout_seconds
    )


def split_remote(domain: Domain) -> tuple[Domain, list[RemoteMedium]]:
    """The design with remote media taken out of their drives, and what to insert after start."""
    bootable = Domain.from_xml(domain.to_xml())
    remote: list[RemoteMedium] = []
    for disk in list(bootable.devices.disks):
        url = medium_url(disk)
        if url is None:
            continue
        remote.append(RemoteMedium(device_id(disk), url, _options(disk)))
        empty = removable_disk(
            disk.device or RemovableType.cdrom, disk.target_dev or "", disk.target_bus or "sata"
        )
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
