"""/v1/networks: networks with address blocks — list, get, create, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Network, NetworkCreate, NetworkUpdate

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, v1_router

router = v1_router("networks")
NETWORKS = Pages("networks", Network)


@router.get("/networks", response_model=NETWORKS.model)
async def list_networks(
    call: Annotated[Call, serving(Operation.networks_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return NETWORKS.response(
        await call.run(call.service.networks.list, call.caller, name=name), limit, cursor
    )


@router.get("/networks/{network_id}", response_model=Network)
async def get_network(call: Annotated[Call, serving(Operation.networks_get)], network_id: Id) -> Response:
    return json_body(await call.run(call.service.networks.get, call.caller, network_id))


@router.post("/networks", response_model=Network, status_code=201, responses={201: created_doc()})
async def create_network(
    call: Annotated[Call, serving(Operation.networks_create)], body: Annotated[NetworkCreate, Body()]
) -> Response:
    net = await call.run(call.service.networks.create, call.caller, body)
    return json_body(net, 201, f"{PREFIX}/networks/{net.id}")


@router.patch("/networks/{network_id}", response_model=Network)
async def update_network(
    call: Annotated[Call, serving(Operation.networks_update)],
    network_id: Id,
    body: Annotated[NetworkUpdate, Body()],
) -> Response:
    """Rename or change the blocks; blocks that would strand a subnet are refused (409)."""
    return json_body(await call.run(call.service.networks.update, call.caller, network_id, body))


@router.delete("/networks/{network_id}", status_code=204, response_class=Response)
async def delete_network(
    call: Annotated[Call, serving(Operation.networks_delete)], network_id: Id
) -> Response:
    """Refused (409) while the network has subnets."""
    await call.run(call.service.networks.delete, call.caller, network_id)
    return Response(status_code=204)
