"""/v1/addresses: public addresses — allocate, list, get, release, associate with an instance."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Response
from pydantic import BaseModel, ConfigDict, Field

from hearth.drivers import Operation
from hearth.drivers.resources import Address, AddressCreate

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, v1_router

router = v1_router("addresses")
ADDRESSES = Pages("addresses", Address)


class AddressAssociate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str = Field(min_length=1, max_length=255)


@router.get("/addresses", response_model=ADDRESSES.model)
async def list_addresses(
    call: Annotated[Call, serving(Operation.addresses_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return ADDRESSES.response(
        await call.run(call.service.addresses.list, call.caller, name=name), limit, cursor
    )


@router.get("/addresses/{address_id}", response_model=Address)
async def get_address(call: Annotated[Call, serving(Operation.addresses_get)], address_id: Id) -> Response:
    return json_body(await call.run(call.service.addresses.get, call.caller, address_id))


@router.post("/addresses", response_model=Address, status_code=201, responses={201: created_doc()})
async def create_address(
    call: Annotated[Call, serving(Operation.addresses_create)],
    body: Annotated[AddressCreate | None, Body()] = None,
) -> Response:
    """Allocate a public address to the caller (the body is optional)."""
    addr = await call.run(call.service.addresses.create, call.caller, body or AddressCreate())
    return json_body(addr, 201, f"{PREFIX}/addresses/{addr.id}")


@router.delete("/addresses/{address_id}", status_code=204, response_class=Response)
async def delete_address(
    call: Annotated[Call, serving(Operation.addresses_delete)], address_id: Id
) -> Response:
    """Release the address; refused (409) while it is associated."""
    await call.run(call.service.addresses.delete, call.caller, address_id)
    return Response(status_code=204)


@router.post("/addresses/{address_id}/associate", response_model=Address, status_code=202)
async def associate_address(
    call: Annotated[Call, serving(Operation.addresses_associate)],
    address_id: Id,
    body: Annotated[AddressAssociate, Body()],
) -> Response:
    addr = await call.run(call.service.addresses.associate, call.caller, address_id, body.instance_id)
    return json_body(addr, 202)


@router.post("/addresses/{address_id}/disassociate", response_model=Address, status_code=202)
async def disassociate_address(
    call: Annotated[Call, serving(Operation.addresses_disassociate)], address_id: Id
) -> Response:
    return json_body(await call.run(call.service.addresses.disassociate, call.caller, address_id), 202)
