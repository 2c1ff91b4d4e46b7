"""/v1/tasks: long operations — status, progress 0-100, and the result or the error."""

from __future__ import annotations

from typing import Any

from hearth.service import Task

from ..deps import CallerDep, ServiceDep, call_store
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import Id, v1_router

router = v1_router("tasks")
TaskPage = page_model("tasks", Task)


@router.get("/tasks", response_model=TaskPage)
async def list_tasks(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("tasks", await call_store(svc.tasks.list, who), limit, cursor)


@router.get("/tasks/{task_id}", response_model=Task)
async def get_task(svc: ServiceDep, who: CallerDep, task_id: Id) -> Any:
    return await call_store(svc.tasks.get, who, task_id)
