"""What every /v1 router shares: the router factory, 201/202 responses, the stop options."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel

from hearth.service import Task

from ..deps import caller
from ..errors import ERROR_RESPONSES
from ..fast import FastReadRoute

PREFIX = "/v1"

# Resource ids in paths: uuids or catalogue names; bounded so a request line always fits.
ID_MAX_LENGTH = 255
Id = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH)]


def v1_router(tag: str) -> APIRouter:
    """A router under /v1 whose every route needs an authenticated caller and documents errors.

    Its routes are ``FastReadRoute``s: those marked with ``fast_read`` short-cut ordinary requests.
    """
    return APIRouter(
        prefix=PREFIX,
        tags=[tag],
        responses=ERROR_RESPONSES,
        dependencies=[Depends(caller)],
        route_class=FastReadRoute,
    )


def json_body(model: BaseModel, status: int, location: str | None = None) -> Response:
    """A pre-serialised response, for routes whose status depends on the outcome (201 or 202)."""
    headers = {"Location": location} if location else None
    return Response(
        model.model_dump_json(), status_code=status, media_type="application/json", headers=headers
    )


def task_accepted(task: Task) -> Response:
    """202 with the task, and its URL in Location."""
    return json_body(task, 202, f"{PREFIX}/tasks/{task.id}")


def task_doc(description: str = "Accepted: the work runs as a task") -> dict[int | str, dict[str, Any]]:
    return {202: {"model": Task, "description": description, "headers": _LOCATION}}


_LOCATION = {"Location": {"description": "URL of the new resource or task", "schema": {"type": "string"}}}


def created_doc() -> dict[str, Any]:
    return {"description": "Created", "headers": _LOCATION}
