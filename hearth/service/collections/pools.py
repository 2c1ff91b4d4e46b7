"""Storage pools: where template disks are made (host-level, read-only)."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import StoragePool

from ..names import named
from .base import DriverCollection


class Pools(DriverCollection):
    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[StoragePool]:
        self._gate.require(Operation.pools_list)
        return named(self._driver.list_pools(caller), name)

    def get(self, caller: Caller, pool_id: str) -> StoragePool:
        self._gate.require(Operation.pools_get)
        return self._driver.get_pool(caller, pool_id)
