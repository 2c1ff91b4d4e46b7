"""/v1/subnets: one address block inside a network — list (by network), get, create, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Subnet, SubnetCreate, SubnetUpdate

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, v1_router

router = v1_router("subnets")
SUBNETS = Pages("subnets", Subnet)


@router.get("/subnets", response_model=SUBNETS.model)
async def list_subnets(
    call: Annotated[Call, serving(Operation.subnets_list)],
    network: Annotated[str | None, Query(max_length=255, description="only this network's")] = None,
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return SUBNETS.response(
        await call.run(call.service.subnets.list, call.caller, network, name=name), limit, cursor
    )


@router.get("/subnets/{subnet_id}", response_model=Subnet)
async def get_subnet(call: Annotated[Call, serving(Operation.subnets_get)], subnet_id: Id) -> Response:
    return json_body(await call.run(call.service.subnets.get, call.caller, subnet_id))


@router.post("/subnets", response_model=Subnet, status_code=201, responses={201: created_doc()})
async def create_subnet(
    call: Annotated[Call, serving(Operation.subnets_create)], body: Annotated[SubnetCreate, Body()]
) -> Response:
    """The block must lie inside one of the network's blocks and not overlap a sibling."""
    sub = await call.run(call.service.subnets.create, call.caller, body)
    return json_body(sub, 201, f"{PREFIX}/subnets/{sub.id}")


@router.patch("/subnets/{subnet_id}", response_model=Subnet)
async def update_subnet(
    call: Annotated[Call, serving(Operation.subnets_update)],
    subnet_id: Id,
    body: Annotated[SubnetUpdate, Body()],
) -> Response:
    return json_body(await call.run(call.service.subnets.update, call.caller, subnet_id, body))


@router.delete("/subnets/{subnet_id}", status_code=204, response_class=Response)
async def delete_subnet(call: Annotated[Call, serving(Operation.subnets_delete)], subnet_id: Id) -> Response:
    """Refused (409) while an instance is bound to the subnet."""
    await call.run(call.service.subnets.delete, call.caller, subnet_id)
    return Response(status_code=204)
