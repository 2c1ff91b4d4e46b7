"""Storage pools: every libvirt pool on every host, read-only, shown to every user."""

from __future__ import annotations

from ..caller import Caller
from ..parts import PoolsPart
from ..pools import pool_by_id
from ..resources import StoragePool
from .connection import Link
from .context import LibvirtContext
from .host_pools import host_pools


class Pools(PoolsPart):
    context: LibvirtContext

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        return [p for link in self.context.links.values() for p in self._pools_of(link)]

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        if self.context.several_hosts:
            for realm, link in self.context.links.items():
                if pool_id.startswith(f"{realm}."):
                    return pool_by_id(self._pools_of(link), pool_id)
        return pool_by_id(self.list_pools(caller), pool_id)

    def _pools_of(self, link: Link) -> list[StoragePool]:
        """A host's pools, its disk pool made first (as on a fresh host): what is listed from the
        first request on is where disks go."""
        self.context.pool_name(link)
        return host_pools(link, self.context.several_hosts)
