"""/v1/snapshots: point-in-time copies of volumes — list, get, create, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Snapshot, SnapshotCreate

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("snapshots")
SnapshotPage = page_model("snapshots", Snapshot)


@router.get(
    "/snapshots", response_model=SnapshotPage, dependencies=[Depends(requires(Operation.snapshots_list))]
)
async def list_snapshots(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("snapshots", await call(svc.driver.list_snapshots, who), limit, cursor)


@router.get(
    "/snapshots/{snapshot_id}",
    response_model=Snapshot,
    dependencies=[Depends(requires(Operation.snapshots_get))],
)
async def get_snapshot(svc: ServiceDep, who: CallerDep, snapshot_id: Id) -> Any:
    return await call(svc.driver.get_snapshot, who, snapshot_id)


@router.post(
    "/snapshots",
    response_model=Snapshot,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.snapshots_create))],
)
async def create_snapshot(
    svc: ServiceDep, who: CallerDep, body: Annotated[SnapshotCreate, Body()]
) -> Response:
    snap = await call(svc.driver.create_snapshot, who, body)
    return json_body(snap, 201, f"{PREFIX}/snapshots/{snap.id}")


@router.delete(
    "/snapshots/{snapshot_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.snapshots_delete))],
)
async def delete_snapshot(svc: ServiceDep, who: CallerDep, snapshot_id: Id) -> Response:
    await call(svc.driver.delete_snapshot, who, snapshot_id)
    return Response(status_code=204)
