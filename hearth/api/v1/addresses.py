"""/v1/addresses: public addresses — allocate, list, get, release, associate with an instance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from hearth.drivers import Operation
from hearth.drivers.resources import Address, AddressCreate

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("addresses")
AddressPage = page_model("addresses", Address)


class AddressAssociate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str = Field(min_length=1, max_length=255)


@router.get(
    "/addresses", response_model=AddressPage, dependencies=[Depends(requires(Operation.addresses_list))]
)
async def list_addresses(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("addresses", await call(svc.driver.list_addresses, who), limit, cursor)


@router.get(
    "/addresses/{address_id}",
    response_model=Address,
    dependencies=[Depends(requires(Operation.addresses_get))],
)
async def get_address(svc: ServiceDep, who: CallerDep, address_id: Id) -> Any:
    return await call(svc.driver.get_address, who, address_id)


@router.post(
    "/addresses",
    response_model=Address,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.addresses_create))],
)
async def create_address(
    svc: ServiceDep, who: CallerDep, body: Annotated[AddressCreate | None, Body()] = None
) -> Response:
    """Allocate a public address to the caller (the body is optional)."""
    addr = await call(svc.driver.create_address, who, body or AddressCreate())
    return json_body(addr, 201, f"{PREFIX}/addresses/{addr.id}")


@router.delete(
    "/addresses/{address_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.addresses_delete))],
)
async def delete_address(svc: ServiceDep, who: CallerDep, address_id: Id) -> Response:
    """Release the address; refused (409) while it is associated."""
    await call(svc.driver.delete_address, who, address_id)
    return Response(status_code=204)


@router.post(
    "/addresses/{address_id}/associate",
    response_model=Address,
    status_code=202,
    dependencies=[Depends(requires(Operation.addresses_associate))],
)
async def associate_address(
    svc: ServiceDep, who: CallerDep, address_id: Id, body: Annotated[AddressAssociate, Body()]
) -> Any:
    return await call(svc.driver.associate_address, who, address_id, body.instance_id)


@router.post(
    "/addresses/{address_id}/disassociate",
    response_model=Address,
    status_code=202,
    dependencies=[Depends(requires(Operation.addresses_disassociate))],
)
async def disassociate_address(svc: ServiceDep, who: CallerDep, address_id: Id) -> Any:
    return await call(svc.driver.disassociate_address, who, address_id)
