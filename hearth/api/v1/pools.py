"""/v1/pools: the storage pools template disks are made in (host-level); read-only."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from hearth.drivers import Operation
from hearth.drivers.resources import StoragePool

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import Id, v1_router

router = v1_router("pools")
PoolPage = page_model("pools", StoragePool)


@router.get("/pools", response_model=PoolPage, dependencies=[Depends(requires(Operation.pools_list))])
async def list_pools(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("pools", await call(svc.driver.list_pools, who), limit, cursor)


@router.get(
    "/pools/{pool_id}", response_model=StoragePool, dependencies=[Depends(requires(Operation.pools_get))]
)
async def get_pool(svc: ServiceDep, who: CallerDep, pool_id: Id) -> Any:
    return await call(svc.driver.get_pool, who, pool_id)
