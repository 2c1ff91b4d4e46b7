"""/v1/keys: SSH keys — generate (the private key is shown once) or import, list, get, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response
from pydantic import Discriminator, Tag

from hearth.drivers import Operation
from hearth.drivers.resources import Key, KeyCreate, KeyCreated, KeyImport

from ..deps import CallerDep, ServiceDep, call_op, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, json_body, v1_router

router = v1_router("keys")
KeyPage = page_model("keys", Key)


_GENERATE, _IMPORT = "<generate>", "<import>"


def _form(value: Any) -> str:
    if isinstance(value, dict):
        return _IMPORT if "public_key" in value else _GENERATE
    return _IMPORT if isinstance(value, KeyImport) else _GENERATE


KeyBody = Annotated[
    Annotated[KeyCreate, Tag(_GENERATE)] | Annotated[KeyImport, Tag(_IMPORT)], Discriminator(_form)
]


@router.get("/keys", response_model=KeyPage, dependencies=[Depends(requires(Operation.keys_list))])
async def list_keys(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("keys", await call_op(svc, Operation.keys_list, svc.driver.list_keys, who), limit, cursor)


@router.get("/keys/{key_id}", response_model=Key, dependencies=[Depends(requires(Operation.keys_get))])
async def get_key(svc: ServiceDep, who: CallerDep, key_id: Id) -> Any:
    return await call_op(svc, Operation.keys_get, svc.driver.get_key, who, key_id)


@router.post(
    "/keys",
    response_model=KeyCreated | Key,
    status_code=201,
    responses={201: {"description": "Created (with private_key when generated)"}},
)
async def create_key(svc: ServiceDep, who: CallerDep, body: Annotated[KeyBody, Body()]) -> Response:
    """Generate a keypair (``{name, kind?}``) or import a public key (``{name, public_key}``)."""
    if isinstance(body, KeyImport):
        svc.require(Operation.keys_import)
        key: Key = await call_op(svc, Operation.keys_import, svc.driver.import_key, who, body)
    else:
        svc.require(Operation.keys_create)
        key = await call_op(svc, Operation.keys_create, svc.driver.create_key, who, body)
    return json_body(key, 201, f"{PREFIX}/keys/{key.id}")


@router.delete(
    "/keys/{key_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.keys_delete))],
)
async def delete_key(svc: ServiceDep, who: CallerDep, key_id: Id) -> Response:
    await call_op(svc, Operation.keys_delete, svc.driver.delete_key, who, key_id)
    return Response(status_code=204)
