"""/v1/keys: SSH keys — generate (the private key is shown once) or import, list, get, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response
from pydantic import Discriminator, Tag

from hearth.drivers import Operation
from hearth.drivers.resources import Key, KeyCreate, KeyCreated, KeyImport

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, json_body, v1_router

router = v1_router("keys")
KEYS = Pages("keys", Key)


_GENERATE, _IMPORT = "<generate>", "<import>"


def _form(value: Any) -> str:
    if isinstance(value, dict):
        return _IMPORT if "public_key" in value else _GENERATE
    return _IMPORT if isinstance(value, KeyImport) else _GENERATE


KeyBody = Annotated[
    Annotated[KeyCreate, Tag(_GENERATE)] | Annotated[KeyImport, Tag(_IMPORT)], Discriminator(_form)
]


@router.get("/keys", response_model=KEYS.model)
async def list_keys(
    call: Annotated[Call, serving(Operation.keys_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return KEYS.response(await call.run(call.service.keys.list, call.caller, name=name), limit, cursor)


@router.get("/keys/{key_id}", response_model=Key)
async def get_key(call: Annotated[Call, serving(Operation.keys_get)], key_id: Id) -> Response:
    return json_body(await call.run(call.service.keys.get, call.caller, key_id))


@router.post(
    "/keys",
    response_model=KeyCreated | Key,
    status_code=201,
    responses={201: {"description": "Created (with private_key when generated)"}},
)
async def create_key(call: Annotated[Call, serving()], body: Annotated[KeyBody, Body()]) -> Response:
    """Generate a keypair (``{name, kind?}``) or import a public key (``{name, public_key}``)."""
    keys = call.service.keys
    if isinstance(body, KeyImport):
        key: Key = await call.at(Operation.keys_import).run(keys.import_, call.caller, body)
    else:
        key = await call.at(Operation.keys_create).run(keys.create, call.caller, body)
    return json_body(key, 201, f"{PREFIX}/keys/{key.id}")


@router.delete("/keys/{key_id}", status_code=204, response_class=Response)
async def delete_key(call: Annotated[Call, serving(Operation.keys_delete)], key_id: Id) -> Response:
    await call.run(call.service.keys.delete, call.caller, key_id)
    return Response(status_code=204)
