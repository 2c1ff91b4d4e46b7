"""/v1/subnets: one address block inside a network — list (by network), get, create, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Query, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Subnet, SubnetCreate, SubnetUpdate

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("subnets")
SubnetPage = page_model("subnets", Subnet)


@router.get("/subnets", response_model=SubnetPage, dependencies=[Depends(requires(Operation.subnets_list))])
async def list_subnets(
    svc: ServiceDep,
    who: CallerDep,
    network: Annotated[str | None, Query(max_length=255, description="only this network's")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Any:
    return page("subnets", await call(svc.driver.list_subnets, who, network), limit, cursor)


@router.get(
    "/subnets/{subnet_id}", response_model=Subnet, dependencies=[Depends(requires(Operation.subnets_get))]
)
async def get_subnet(svc: ServiceDep, who: CallerDep, subnet_id: Id) -> Any:
    return await call(svc.driver.get_subnet, who, subnet_id)


@router.post(
    "/subnets",
    response_model=Subnet,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.subnets_create))],
)
async def create_subnet(svc: ServiceDep, who: CallerDep, body: Annotated[SubnetCreate, Body()]) -> Response:
    """The block must lie inside one of the network's blocks and not overlap a sibling."""
    sub = await call(svc.driver.create_subnet, who, body)
    return json_body(sub, 201, f"{PREFIX}/subnets/{sub.id}")


@router.patch(
    "/subnets/{subnet_id}", response_model=Subnet, dependencies=[Depends(requires(Operation.subnets_update))]
)
async def update_subnet(
    svc: ServiceDep, who: CallerDep, subnet_id: Id, body: Annotated[SubnetUpdate, Body()]
) -> Any:
    return await call(svc.driver.update_subnet, who, subnet_id, body)


@router.delete(
    "/subnets/{subnet_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.subnets_delete))],
)
async def delete_subnet(svc: ServiceDep, who: CallerDep, subnet_id: Id) -> Response:
    """Refused (409) while an instance is bound to the subnet."""
    await call(svc.driver.delete_subnet, who, subnet_id)
    return Response(status_code=204)
