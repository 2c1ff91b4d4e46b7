"""/v1/volumes: storage volumes — list, get, create (a clone of a snapshot is a task), attach, detach."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Volume, VolumeAttach, VolumeCreate
from hearth.service import Task

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, task_accepted, task_doc, v1_router

router = v1_router("volumes")
VOLUMES = Pages("volumes", Volume)


@router.get("/volumes", response_model=VOLUMES.model)
async def list_volumes(
    call: Annotated[Call, serving(Operation.volumes_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return VOLUMES.response(await call.run(call.service.volumes.list, call.caller, name=name), limit, cursor)


@router.get("/volumes/{volume_id}", response_model=Volume)
async def get_volume(call: Annotated[Call, serving(Operation.volumes_get)], volume_id: Id) -> Response:
    return json_body(await call.run(call.service.volumes.get, call.caller, volume_id))


@router.post(
    "/volumes",
    response_model=Volume,
    status_code=201,
    responses={201: created_doc(), **task_doc("Accepted: a clone of a snapshot runs as a task")},
)
async def create_volume(
    call: Annotated[Call, serving(Operation.volumes_create)], body: Annotated[VolumeCreate, Body()]
) -> Response:
    made = await call.run(call.service.volumes.create, call.caller, body)
    if isinstance(made, Task):
        return task_accepted(made)
    return json_body(made, 201, f"{PREFIX}/volumes/{made.id}")


@router.delete("/volumes/{volume_id}", status_code=204, response_class=Response)
async def delete_volume(call: Annotated[Call, serving(Operation.volumes_delete)], volume_id: Id) -> Response:
    """Refused (409) while the volume is attached or has snapshots."""
    await call.run(call.service.volumes.delete, call.caller, volume_id)
    return Response(status_code=204)


@router.post("/volumes/{volume_id}/attach", response_model=Volume, status_code=202)
async def attach_volume(
    call: Annotated[Call, serving(Operation.volumes_attach)],
    volume_id: Id,
    body: Annotated[VolumeAttach, Body()],
) -> Response:
    return json_body(await call.run(call.service.volumes.attach, call.caller, volume_id, body), 202)


@router.post("/volumes/{volume_id}/detach", response_model=Volume, status_code=202)
async def detach_volume(call: Annotated[Call, serving(Operation.volumes_detach)], volume_id: Id) -> Response:
    return json_body(await call.run(call.service.volumes.detach, call.caller, volume_id), 202)
