"""Storage-volume primitives on a pool: create (empty or as an overlay), clone, delete, locate."""

from __future__ import annotations

import libvirt

from hearth.domain import StorageVolume

from .connection import Link
from .errors import is_code

GIB = 1024**3


def volume_xml(
    name: str, capacity_bytes: int, fmt: str = "qcow2", backing: tuple[str, str] | None = None
) -> str:
    """``backing`` = (path, format) makes a copy-on-write overlay on that file."""
    vol = StorageVolume(name=name, capacity_bytes=capacity_bytes, target_format=fmt)
    if backing is not None:
        vol.backing_path, vol.backing_format = backing
    return vol.to_xml()


def create_volume(
    link: Link,
    pool: str,
    name: str,
    capacity_bytes: int,
    fmt: str = "qcow2",
    backing: tuple[str, str] | None = None,
) -> str:
    """Create a volume and return its path."""
    xml = volume_xml(name, capacity_bytes, fmt, backing)
    return link.run(
        f"creating volume {name} in pool {pool}",
        lambda c: str(c.storagePoolLookupByName(pool).createXML(xml, 0).path()),
    )


def clone_volume(link: Link, src_pool: str, src: str, pool: str, name: str) -> str:
    """A full, independent copy (an overlay's backing chain is flattened); returns its path."""

    def clone(c: libvirt.virConnect) -> str:
        source = c.storagePoolLookupByName(src_pool).storageVolLookupByName(src)
        info = StorageVolume.from_xml(source.XMLDesc(0))
        xml = volume_xml(name, info.capacity_bytes or GIB, info.target_format or "qcow2")
        return str(c.storagePoolLookupByName(pool).createXMLFrom(xml, source, 0).path())

    return link.run(f"copying volume {src} to {name}", clone)


def delete_volume(link: Link, pool: str, name: str) -> None:
    """Delete a volume; one that is already gone is fine (cleanup paths call this)."""

    def delete(c: libvirt.virConnect) -> None:
        try:
            c.storagePoolLookupByName(pool).storageVolLookupByName(name).delete(0)
        except libvirt.libvirtError as exc:
            if not is_code(exc, libvirt.VIR_ERR_NO_STORAGE_VOL, libvirt.VIR_ERR_NO_STORAGE_POOL):
                raise

    link.run(f"deleting volume {name}", delete)


def volume_info(link: Link, pool: str, name: str) -> StorageVolume:
    return link.run(
        f"reading volume {name}",
        lambda c: StorageVolume.from_xml(
            c.storagePoolLookupByName(pool).storageVolLookupByName(name).XMLDesc(0)
        ),
    )
