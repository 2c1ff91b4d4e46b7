"""/v1/pools: the storage pools template disks are made in (host-level); read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from hearth.drivers import Operation
from hearth.drivers.resources import StoragePool

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import Id, NameFilter, json_body, v1_router

router = v1_router("pools")
POOLS = Pages("pools", StoragePool)


@router.get("/pools", response_model=POOLS.model)
async def list_pools(
    call: Annotated[Call, serving(Operation.pools_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return POOLS.response(await call.run(call.service.pools.list, call.caller, name=name), limit, cursor)


@router.get("/pools/{pool_id}", response_model=StoragePool)
async def get_pool(call: Annotated[Call, serving(Operation.pools_get)], pool_id: Id) -> Response:
    return json_body(await call.run(call.service.pools.get, call.caller, pool_id))
