"""/v1/tasks: long operations — status, progress 0-100, and the result or the error."""

from __future__ import annotations

from fastapi import Response

from hearth.service import Task

from ..deps import CallDep, call_store
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import Id, NameFilter, json_body, v1_router

router = v1_router("tasks")
TASKS = Pages("tasks", Task)


@router.get("/tasks", response_model=TASKS.model)
async def list_tasks(
    call: CallDep, name: NameFilter = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Response:
    return TASKS.response(await call_store(call.service.tasks.list, call.caller, name=name), limit, cursor)


@router.get("/tasks/{task_id}", response_model=Task)
async def get_task(call: CallDep, task_id: Id) -> Response:
    return json_body(await call_store(call.service.tasks.get, call.caller, task_id))
