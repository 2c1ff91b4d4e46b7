"""/v1/networks: networks with address blocks — list, get, create, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Network, NetworkCreate, NetworkUpdate

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("networks")
NetworkPage = page_model("networks", Network)


@router.get(
    "/networks", response_model=NetworkPage, dependencies=[Depends(requires(Operation.networks_list))]
)
async def list_networks(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("networks", await call(svc.driver.list_networks, who), limit, cursor)


@router.get(
    "/networks/{network_id}", response_model=Network, dependencies=[Depends(requires(Operation.networks_get))]
)
async def get_network(svc: ServiceDep, who: CallerDep, network_id: Id) -> Any:
    return await call(svc.driver.get_network, who, network_id)


@router.post(
    "/networks",
    response_model=Network,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.networks_create))],
)
async def create_network(svc: ServiceDep, who: CallerDep, body: Annotated[NetworkCreate, Body()]) -> Response:
    net = await call(svc.driver.create_network, who, body)
    return json_body(net, 201, f"{PREFIX}/networks/{net.id}")


@router.patch(
    "/networks/{network_id}",
    response_model=Network,
    dependencies=[Depends(requires(Operation.networks_update))],
)
async def update_network(
    svc: ServiceDep, who: CallerDep, network_id: Id, body: Annotated[NetworkUpdate, Body()]
) -> Any:
    """Rename or change the blocks; blocks that would strand a subnet are refused (409)."""
    return await call(svc.driver.update_network, who, network_id, body)


@router.delete(
    "/networks/{network_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.networks_delete))],
)
async def delete_network(svc: ServiceDep, who: CallerDep, network_id: Id) -> Response:
    """Refused (409) while the network has subnets."""
    await call(svc.driver.delete_network, who, network_id)
    return Response(status_code=204)
