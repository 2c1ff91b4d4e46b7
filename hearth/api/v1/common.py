"""What every /v1 router shares: the router factory, JSON answers, 201/202 responses.

Routes declare their ``response_model`` (it documents the answer in OpenAPI) and return a
``Response`` carrying the model's JSON: the model was validated when it was built, so FastAPI's
validate-then-serialise pass over the returned value would only do the same work again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from hearth.service import Task

from ..errors import ERROR_RESPONSES

PREFIX = "/v1"

# Resource ids in paths: uuids or catalogue names; bounded so a request line always fits.
ID_MAX_LENGTH = 255
Id = Annotated[str, Path(min_length=1, max_length=ID_MAX_LENGTH)]
# ``?name=`` on every collection: exactly this name (no pattern); an unknown one lists nothing.
NameFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=ID_MAX_LENGTH, description="only the items with exactly this name"),
]


def v1_router(tag: str) -> APIRouter:
    """A router under /v1 whose routes document every error shape.

    Each route takes ``serving(op)`` (``hearth.api.deps``): authentication and the capability
    gate in one dependency, rather than one on the router and another on the route.
    """
    return APIRouter(prefix=PREFIX, tags=[tag], responses=ERROR_RESPONSES)


def json_body(model: BaseModel, status: int = 200, location: str | None = None) -> Response:
    """The answer ``model`` as JSON, serialised once, with ``status`` (and Location when given)."""
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
