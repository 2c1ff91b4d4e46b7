"""The mock's storage pools: a small seeded catalogue in the store, read-only like its realms."""

from __future__ import annotations

from ..caller import Caller
from ..parts import PoolsPart
from ..pools import pool_by_id
from ..resources import StoragePool
from .context import MockContext
from .lookups import all_pools, pool_model
from .tables import MockPool


class Pools(PoolsPart):
    context: MockContext

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        with self.context.read() as s:
            return all_pools(s)

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        with self.context.read() as s:
            row = s.get(MockPool, pool_id)
            return pool_by_id([pool_model(row)] if row is not None else [], pool_id)
