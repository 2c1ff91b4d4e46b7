"""/v1/realms: where instances can run (hosts or regions); read-only."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from hearth.drivers import Operation
from hearth.drivers.resources import Realm

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import Id, v1_router

router = v1_router("realms")
RealmPage = page_model("realms", Realm)


@router.get("/realms", response_model=RealmPage, dependencies=[Depends(requires(Operation.realms_list))])
async def list_realms(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("realms", await call(svc.driver.list_realms, who), limit, cursor)


@router.get(
    "/realms/{realm_id}", response_model=Realm, dependencies=[Depends(requires(Operation.realms_get))]
)
async def get_realm(svc: ServiceDep, who: CallerDep, realm_id: Id) -> Any:
    return await call(svc.driver.get_realm, who, realm_id)
