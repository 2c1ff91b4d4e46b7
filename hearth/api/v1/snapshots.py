"""/v1/snapshots: point-in-time copies of volumes — list, get, create, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Snapshot, SnapshotCreate

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, v1_router

router = v1_router("snapshots")
SNAPSHOTS = Pages("snapshots", Snapshot)


@router.get("/snapshots", response_model=SNAPSHOTS.model)
async def list_snapshots(
    call: Annotated[Call, serving(Operation.snapshots_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return SNAPSHOTS.response(
        await call.run(call.service.snapshots.list, call.caller, name=name), limit, cursor
    )


@router.get("/snapshots/{snapshot_id}", response_model=Snapshot)
async def get_snapshot(call: Annotated[Call, serving(Operation.snapshots_get)], snapshot_id: Id) -> Response:
    return json_body(await call.run(call.service.snapshots.get, call.caller, snapshot_id))


@router.post("/snapshots", response_model=Snapshot, status_code=201, responses={201: created_doc()})
async def create_snapshot(
    call: Annotated[Call, serving(Operation.snapshots_create)], body: Annotated[SnapshotCreate, Body()]
) -> Response:
    snap = await call.run(call.service.snapshots.create, call.caller, body)
    return json_body(snap, 201, f"{PREFIX}/snapshots/{snap.id}")


@router.delete("/snapshots/{snapshot_id}", status_code=204, response_class=Response)
async def delete_snapshot(
    call: Annotated[Call, serving(Operation.snapshots_delete)], snapshot_id: Id
) -> Response:
    await call.run(call.service.snapshots.delete, call.caller, snapshot_id)
    return Response(status_code=204)
