"""Disks in use: refuse to give a guest a disk another domain on the same host already uses.

Two guests writing one image corrupt it (and a guest reading a disk another one writes sees
garbage), so, as virt-install does, a disk may be shared only when both uses are read-only
or both are marked ``<shareable/>``; ``force`` is the explicit way round for one path.
Disks are compared by what names them on the host: the normalised local path, the
``pool/volume`` of a volume disk, or protocol, host and name of a network disk. Backing
files are not compared: overlays on one base image are the normal case.

Pure: the caller says which domains are "on the host" (a libvirt connection's domains, the
qemu driver's saved designs, ...); nothing here looks them up.
"""

from __future__ import annotations

import os.path
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from hearth.domain import Disk, Domain
from hearth.errors import Conflict
from hearth.vocab.disk_devices import RemovableType


@dataclass(frozen=True, slots=True)
class DiskUse:
    """One domain's use of a disk."""

    domain: str
    readonly: bool
    shareable: bool


def disk_key(disk: Disk) -> str | None:
    """What names ``disk``'s storage on its host, or None for an empty drive."""
    path = disk.source_path
    if path:
        return os.path.normpath(path)
    if disk.source_pool and disk.source_volume:
        return f"volume:{disk.source_pool}/{disk.source_volume}"
    if disk.source_protocol and disk.source_name:
        hosts = ",".join(f"{h.name}:{h.port or ''}" for h in disk.source_hosts)
        return f"{disk.source_protocol}://{hosts}/{disk.source_name.lstrip('/')}"
    return None


def _use(domain: Domain, disk: Disk) -> DiskUse:
    readonly = disk.readonly or disk.device == RemovableType.cdrom  # QEMU never writes a cdrom
    return DiskUse(domain.name or domain.uuid or "(unnamed)", readonly, disk.shareable)


def disk_uses(domains: Iterable[Domain]) -> dict[str, list[DiskUse]]:
    """Every disk of ``domains`` by its key."""
    uses: dict[str, list[DiskUse]] = {}
    for dom in domains:
        for disk in dom.devices.disks:
            key = disk_key(disk)
            if key is not None:
                uses.setdefault(key, []).append(_use(dom, disk))
    return uses


def _clash(mine: DiskUse, theirs: DiskUse) -> bool:
    return not (mine.readonly and theirs.readonly) and not (mine.shareable and theirs.shareable)


def conflicts(
    domain: Domain, uses: dict[str, list[DiskUse]], *, force: Collection[str] = ()
) -> dict[str, list[str]]:
    """Disk key -> names of the other domains whose use of it clashes with ``domain``'s."""
    forced = {os.path.normpath(p) for p in force}
    found: dict[str, list[str]] = {}
    for disk in domain.devices.disks:
        key = disk_key(disk)
        if key is None or key in forced:
            continue
        mine = _use(domain, disk)
        names = [u.domain for u in uses.get(key, ()) if u.domain != mine.domain and _clash(mine, u)]
        if names:
            found[key] = sorted(set(names))
    return found


def refuse_disks_in_use(
    domain: Domain, others: Iterable[Domain] | dict[str, list[DiskUse]], *, force: Collection[str] = ()
) -> None:
    """Raise Conflict naming the disk and the domains when ``domain`` would share a disk unsafely.

    ``others`` are the other domains on the host (``domain`` itself among them is ignored, by
    name), or their ``disk_uses`` computed once. ``force`` lists paths to allow anyway.
    """
    uses = others if isinstance(others, dict) else disk_uses(others)
    found = conflicts(domain, uses, force=force)
    if not found:
        return
    key, names = next(iter(found.items()))
    who = ", ".join(repr(n) for n in names)
    raise Conflict(
        f"disk {key!r} is already in use by {'domain' if len(names) == 1 else 'domains'} {who}; "
        "mark both uses shareable, or force it if sharing is really intended",
        disk=key,
        domains=names,
    )
