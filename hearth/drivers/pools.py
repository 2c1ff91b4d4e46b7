"""Finding a storage pool by what a user typed: its id or its name, in that order.

One lookup serves ``GET /v1/pools/{id}``, the template check and ``DiskSpec.pool`` in every
driver, so a pool that is listed is a pool that create accepts, and the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable

from hearth.errors import InvalidState, NotFound, ValidationError

from .resources import DiskSpec, InstanceSpec, PoolState, StoragePool


def named_pools(spec: InstanceSpec | None) -> list[str]:
    """The pools a template's new disks name, each once, sorted (what every driver checks)."""
    if spec is None:
        return []
    return sorted({d.pool for d in spec.disks if isinstance(d, DiskSpec) and d.pool is not None})


def find_pool(pools: Iterable[StoragePool], ref: str) -> StoragePool | None:
    """The pool whose id is ``ref``, else the one whose name is (names may repeat across realms:
    then the name is ambiguous and only the id finds one)."""
    pools = list(pools)
    for p in pools:
        if p.id == ref:
            return p
    named = [p for p in pools if p.name == ref]
    return named[0] if len(named) == 1 else None


def pool_by_id(pools: Iterable[StoragePool], pool_id: str) -> StoragePool:
    """``get_pool``: the id only, NotFound otherwise."""
    for p in pools:
        if p.id == pool_id:
            return p
    raise NotFound(f"storage pool {pool_id} not found", kind="pool", id=pool_id)


def usable_pool(pools: Iterable[StoragePool], ref: str, where: str) -> StoragePool:
    """The pool a new disk goes to: it must exist ``where`` (e.g. "in realm local") and be active.

    A bad pool in a disk request is the request's fault, so both failures are ValidationErrors
    (400) naming the pool, never a NotFound that reads like the URL was wrong.
    """
    pool = find_pool(pools, ref)
    if pool is None:
        raise ValidationError(f"storage pool {ref!r} does not exist {where}", pool=ref)
    if pool.state is not PoolState.ACTIVE:
        raise InvalidState(
            f"storage pool {ref!r} is {pool.state.value}; start it before making disks in it",
            pool=ref,
            state=pool.state.value,
        )
    return pool
