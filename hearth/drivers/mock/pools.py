"""The mock's storage pools: a small seeded catalogue in the store, read-only like its realms.

``default`` (a dir pool in realm ``local``) is where template disks go when they name no pool;
``archive`` sits in the unavailable realm and is inactive, so refusals can be seen too.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hearth.store import write_session
from hearth.store.models import StoreMeta

from ..caller import SYSTEM_OWNER, Caller
from ..pools import named_pools, pool_by_id, usable_pool
from ..resources import InstanceSpec, PoolState, PoolType, StoragePool
from .core import MockBase
from .tables import MockPool

_SEEDED = "mock_pools_seeded"
GIB = 1024**3
# (id, type, state, capacity GiB, allocation GiB, path, realm)
POOLS: tuple[tuple[str, PoolType, PoolState, int, int, str | None, str], ...] = (
    ("default", PoolType.dir, PoolState.ACTIVE, 500, 120, "/var/lib/hearth/mock/pools/default", "local"),
    ("archive", PoolType.netfs, PoolState.INACTIVE, 2048, 0, "/var/lib/hearth/mock/pools/archive", "remote"),
)


def seed_pools(engine: Engine) -> None:
    """Seeded under their own marker, so stores seeded before pools existed get them once too."""
    with write_session(engine) as s:
        if s.get(StoreMeta, _SEEDED) is not None:
            return
        for pool_id, kind, state, capacity, allocation, path, realm in POOLS:
            if s.get(MockPool, pool_id) is None:
                s.add(
                    MockPool(
                        id=pool_id,
                        name=pool_id,
                        owner_id=SYSTEM_OWNER,
                        type=kind.value,
                        state=state.value,
                        capacity_bytes=capacity * GIB,
                        allocation_bytes=allocation * GIB,
                        path=path,
                        realm_id=realm,
                    )
                )
        s.add(StoreMeta(key=_SEEDED, value="1"))


def pool_model(row: MockPool) -> StoragePool:
    active = row.state == PoolState.ACTIVE.value
    return StoragePool(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        type=PoolType(row.type),
        state=PoolState(row.state),
        capacity_bytes=row.capacity_bytes if active else None,
        allocation_bytes=row.allocation_bytes if active else None,
        available_bytes=max(row.capacity_bytes - row.allocation_bytes, 0) if active else None,
        path=row.path,
        realm=row.realm_id,
    )


def all_pools(s: Session) -> list[StoragePool]:
    return [pool_model(r) for r in s.scalars(select(MockPool).order_by(MockPool.id))]


def check_disk_pools(s: Session, spec: InstanceSpec, realm_id: str) -> None:
    """Every pool a template disk names must exist in the instance's realm and be active."""
    named = named_pools(spec)
    if not named:
        return
    here = [p for p in all_pools(s) if p.realm == realm_id]
    for ref in named:
        usable_pool(here, ref, f"in realm {realm_id}")


class PoolOps(MockBase):
    def list_pools(self, caller: Caller) -> list[StoragePool]:
        with self._read() as s:
            return all_pools(s)

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        with self._read() as s:
            row = s.get(MockPool, pool_id)
            return pool_by_id([pool_model(row)] if row is not None else [], pool_id)
