"""/v1/volumes: storage volumes — list, get, create (a clone of a snapshot is a task), attach, detach."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Volume, VolumeAttach, VolumeCreate
from hearth.service import Task

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, task_accepted, task_doc, v1_router

router = v1_router("volumes")
VolumePage = page_model("volumes", Volume)


@router.get("/volumes", response_model=VolumePage, dependencies=[Depends(requires(Operation.volumes_list))])
async def list_volumes(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("volumes", await call(svc.driver.list_volumes, who), limit, cursor)


@router.get(
    "/volumes/{volume_id}", response_model=Volume, dependencies=[Depends(requires(Operation.volumes_get))]
)
async def get_volume(svc: ServiceDep, who: CallerDep, volume_id: Id) -> Any:
    return await call(svc.driver.get_volume, who, volume_id)


@router.post(
    "/volumes",
    response_model=Volume,
    status_code=201,
    responses={201: created_doc(), **task_doc("Accepted: a clone of a snapshot runs as a task")},
    dependencies=[Depends(requires(Operation.volumes_create))],
)
async def create_volume(svc: ServiceDep, who: CallerDep, body: Annotated[VolumeCreate, Body()]) -> Response:
    made = await call(svc.create_volume, who, body)
    if isinstance(made, Task):
        return task_accepted(made)
    return json_body(made, 201, f"{PREFIX}/volumes/{made.id}")


@router.delete(
    "/volumes/{volume_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.volumes_delete))],
)
async def delete_volume(svc: ServiceDep, who: CallerDep, volume_id: Id) -> Response:
    """Refused (409) while the volume is attached or has snapshots."""
    await call(svc.driver.delete_volume, who, volume_id)
    return Response(status_code=204)


@router.post(
    "/volumes/{volume_id}/attach",
    response_model=Volume,
    status_code=202,
    dependencies=[Depends(requires(Operation.volumes_attach))],
)
async def attach_volume(
    svc: ServiceDep, who: CallerDep, volume_id: Id, body: Annotated[VolumeAttach, Body()]
) -> Any:
    return await call(svc.driver.attach_volume, who, volume_id, body)


@router.post(
    "/volumes/{volume_id}/detach",
    response_model=Volume,
    status_code=202,
    dependencies=[Depends(requires(Operation.volumes_detach))],
)
async def detach_volume(svc: ServiceDep, who: CallerDep, volume_id: Id) -> Any:
    return await call(svc.driver.detach_volume, who, volume_id)
