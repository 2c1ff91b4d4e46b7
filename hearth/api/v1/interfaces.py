"""/v1/instances/{id}/interfaces[/{mac}]: an instance's NICs — list, get, add, change, remove.

Adding and removing work live on a running instance and persist; a NIC is named by its MAC.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, Response

from hearth.drivers import Operation
from hearth.drivers.resources import InterfaceCreate, InterfaceUpdate, NetworkInterface
from hearth.vocab.mac import MAC_PATTERN

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("interfaces")
INTERFACES = Pages("interfaces", NetworkInterface)
Mac = Annotated[str, Path(pattern=MAC_PATTERN, description="MAC address, e.g. 52:54:00:12:34:56")]


def _by_mac(nic: NetworkInterface) -> tuple[str, ...]:
    return (nic.mac.lower(),)


def _location(instance_id: str, mac: str) -> str:
    return f"{PREFIX}/instances/{instance_id}/interfaces/{mac}"


@router.get("/instances/{instance_id}/interfaces", response_model=INTERFACES.model)
async def list_interfaces(
    call: Annotated[Call, serving(Operation.interfaces_list)],
    instance_id: Id,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    nics = await call.run(call.service.interfaces.list, call.caller, instance_id)
    return INTERFACES.response(nics, limit, cursor, key=_by_mac)


@router.get("/instances/{instance_id}/interfaces/{mac}", response_model=NetworkInterface)
async def get_interface(
    call: Annotated[Call, serving(Operation.interfaces_get)], instance_id: Id, mac: Mac
) -> Response:
    return json_body(await call.run(call.service.interfaces.get, call.caller, instance_id, mac.lower()))


@router.post(
    "/instances/{instance_id}/interfaces",
    response_model=NetworkInterface,
    status_code=201,
    responses={201: created_doc()},
)
async def create_interface(
    call: Annotated[Call, serving(Operation.interfaces_create)],
    instance_id: Id,
    body: Annotated[InterfaceCreate, Body()],
) -> Response:
    """Add a NIC (live when the instance runs, and persistently)."""
    nic = await call.run(call.service.interfaces.create, call.caller, instance_id, body)
    return json_body(nic, 201, _location(instance_id, nic.mac))


@router.put("/instances/{instance_id}/interfaces/{mac}", response_model=NetworkInterface)
async def update_interface(
    call: Annotated[Call, serving(Operation.interfaces_update)],
    instance_id: Id,
    mac: Mac,
    body: Annotated[InterfaceUpdate, Body()],
) -> Response:
    """Move the NIC to another network or bridge, or change its model (only while stopped)."""
    changed = await call.run(call.service.interfaces.update, call.caller, instance_id, mac.lower(), body)
    return json_body(changed)


@router.delete(
    "/instances/{instance_id}/interfaces/{mac}",
    status_code=204,
    response_class=Response,
    responses={
        202: {
            "model": NetworkInterface,
            "description": "The running guest has yet to release it: the NIC, state detaching",
        }
    },
)
async def delete_interface(
    call: Annotated[Call, serving(Operation.interfaces_delete)], instance_id: Id, mac: Mac
) -> Response:
    """204 once the NIC is gone; 202 with the NIC (``state: detaching``) while a running guest
    has yet to release the device: it is listed so until the guest does, then goes, or shows
    ``state: error`` after the backend's timeout (delete again to ask once more)."""
    left = await call.run(call.service.interfaces.delete, call.caller, instance_id, mac.lower())
    if left is not None:
        return json_body(left, 202, _location(instance_id, left.mac))
    return Response(status_code=204)
