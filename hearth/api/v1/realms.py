"""/v1/realms: where instances can run (hosts or regions); read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from hearth.drivers import Operation
from hearth.drivers.resources import Realm

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import Id, NameFilter, json_body, v1_router

router = v1_router("realms")
REALMS = Pages("realms", Realm)


@router.get("/realms", response_model=REALMS.model)
async def list_realms(
    call: Annotated[Call, serving(Operation.realms_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return REALMS.response(await call.run(call.service.realms.list, call.caller, name=name), limit, cursor)


@router.get("/realms/{realm_id}", response_model=Realm)
async def get_realm(call: Annotated[Call, serving(Operation.realms_get)], realm_id: Id) -> Response:
    return json_body(await call.run(call.service.realms.get, call.caller, realm_id))
