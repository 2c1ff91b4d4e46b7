"""/v1/instances/{id}/interfaces[/{mac}]: an instance's NICs — list, get, add, change, remove.

Adding and removing work live on a running instance and persist; a NIC is named by its MAC.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Path, Response

from hearth.drivers import Operation
from hearth.drivers.resources import InterfaceCreate, InterfaceUpdate, NetworkInterface
from hearth.vocab.mac import MAC_PATTERN

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("interfaces")
InterfacePage = page_model("interfaces", NetworkInterface)
Mac = Annotated[str, Path(pattern=MAC_PATTERN, description="MAC address, e.g. 52:54:00:12:34:56")]


def _by_mac(nic: NetworkInterface) -> tuple[str, ...]:
    return (nic.mac.lower(),)


def _location(instance_id: str, mac: str) -> str:
    return f"{PREFIX}/instances/{instance_id}/interfaces/{mac}"


@router.get(
    "/instances/{instance_id}/interfaces",
    response_model=InterfacePage,
    dependencies=[Depends(requires(Operation.interfaces_list))],
)
async def list_interfaces(
    svc: ServiceDep, who: CallerDep, instance_id: Id, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    nics = await call(svc.driver.list_interfaces, who, instance_id)
    return page("interfaces", nics, limit, cursor, key=_by_mac)


@router.get(
    "/instances/{instance_id}/interfaces/{mac}",
    response_model=NetworkInterface,
    dependencies=[Depends(requires(Operation.interfaces_get))],
)
async def get_interface(svc: ServiceDep, who: CallerDep, instance_id: Id, mac: Mac) -> Any:
    return await call(svc.driver.get_interface, who, instance_id, mac.lower())


@router.post(
    "/instances/{instance_id}/interfaces",
    response_model=NetworkInterface,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.interfaces_create))],
)
async def create_interface(
    svc: ServiceDep, who: CallerDep, instance_id: Id, body: Annotated[InterfaceCreate, Body()]
) -> Response:
    """Add a NIC (live when the instance runs, and persistently)."""
    nic = await call(svc.driver.create_interface, who, instance_id, body)
    return json_body(nic, 201, _location(instance_id, nic.mac))


@router.put(
    "/instances/{instance_id}/interfaces/{mac}",
    response_model=NetworkInterface,
    dependencies=[Depends(requires(Operation.interfaces_update))],
)
async def update_interface(
    svc: ServiceDep, who: CallerDep, instance_id: Id, mac: Mac, body: Annotated[InterfaceUpdate, Body()]
) -> Any:
    """Move the NIC to another network or bridge, or change its model (only while stopped)."""
    return await call(svc.driver.update_interface, who, instance_id, mac.lower(), body)


@router.delete(
    "/instances/{instance_id}/interfaces/{mac}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.interfaces_delete))],
)
async def delete_interface(svc: ServiceDep, who: CallerDep, instance_id: Id, mac: Mac) -> Response:
    await call(svc.driver.delete_interface, who, instance_id, mac.lower())
    return Response(status_code=204)
