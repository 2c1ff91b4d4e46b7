"""The storage pools of one host as Hearth shows them, and the pool a template's disk names.

A pool's id is its libvirt name when the driver has one host; with several hosts the same name
(``default``) usually exists on each, so the id is ``<realm>.<name>`` there. A disk of a template
names a pool by id or name, resolved on the host the instance is placed on with the same lookup
``GET /v1/pools`` uses (``hearth.drivers.pools``).
"""

from __future__ import annotations

import logging

import libvirt

from hearth.domain import StoragePool as PoolXML

from ..caller import EPOCH, SYSTEM_OWNER
from ..pools import usable_pool
from ..resources import PoolState, PoolType, StoragePool
from .connection import Link
from .errors import is_code

_STATES = {
    libvirt.VIR_STORAGE_POOL_INACTIVE: PoolState.INACTIVE,
    libvirt.VIR_STORAGE_POOL_BUILDING: PoolState.BUILDING,
    libvirt.VIR_STORAGE_POOL_RUNNING: PoolState.ACTIVE,
    libvirt.VIR_STORAGE_POOL_DEGRADED: PoolState.DEGRADED,
    libvirt.VIR_STORAGE_POOL_INACCESSIBLE: PoolState.INACCESSIBLE,
}
log = logging.getLogger(__name__)
_TYPES = {t.value for t in PoolType}


def pool_id(realm: str, name: str, qualified: bool) -> str:
    return f"{realm}.{name}" if qualified else name


def host_pools(link: Link, qualified: bool) -> list[StoragePool]:
    """The pools of one host, sorted by name; one removed while we look is left out."""

    def scan(c: libvirt.virConnect) -> list[StoragePool]:
        out = []
        for pool in c.listAllStoragePools(0):
            try:
                xml = PoolXML.from_xml(pool.XMLDesc(0))
                state = int(pool.info()[0])
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_STORAGE_POOL):
                    continue
                raise
            if xml.type not in _TYPES:  # newer than this code: leave it out rather than guess
                log.warning("storage pool %s has unknown type %r; not listed", xml.name, xml.type)
                continue
            out.append(_model(link, xml, state, qualified))
        return sorted(out, key=lambda p: p.name)

    return link.run(f"listing storage pools of realm {link.host.realm}", scan)


def _model(link: Link, xml: PoolXML, state: int, qualified: bool) -> StoragePool:
    name = str(xml.name)
    active = state == libvirt.VIR_STORAGE_POOL_RUNNING
    return StoragePool(
        id=pool_id(link.host.realm, name, qualified),
        name=name,
        owner_id=SYSTEM_OWNER,
        created=EPOCH,
        type=PoolType(str(xml.type)),
        state=_STATES.get(state, PoolState.INACCESSIBLE),
        # An inactive pool's XML keeps stale zeros: say "unknown" instead.
        capacity_bytes=xml.capacity_bytes if active else None,
        allocation_bytes=xml.allocation_bytes if active else None,
        available_bytes=xml.available_bytes if active else None,
        path=xml.target_path,
        realm=link.host.realm,
    )


def disk_pool(link: Link, ref: str, qualified: bool) -> str:
    """The libvirt name of the pool a ``DiskSpec`` names (id or name) on the placement host."""
    pool = usable_pool(host_pools(link, qualified), ref, f"in realm {link.host.realm}")
    return pool.name
