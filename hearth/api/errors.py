"""One JSON shape for every failure, whoever raised it: typed errors, FastAPI, routing, bugs.

``{"code": <status>, "error": "<ShortName>", "message": "<sentence>", "details": {...}}``. Request
validation names the offending fields but never echoes their values (they may be passwords).
Anything unexpected becomes a 500 with a reference the server log has the traceback under.

What a typed error says is redacted (no URI passwords) for everyone; for callers who are not
admins it is also stripped of host paths, socket paths and backend URIs, and the raw text goes to
the server log under a reference the answer carries.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.drivers import Caller
from hearth.errors import (
    AuthFailure,
    BackendError,
    BackendTimeout,
    Conflict,
    Forbidden,
    HearthError,
    LimitExceeded,
    NotFound,
    NotSupported,
    ValidationError,
)
from hearth.redact import for_tenant, for_tenant_data, redact, redact_data
from hearth.service.sessions import SessionEnded
from hearth.service.tasks import json_safe

from .credentials import CALLER

log = logging.getLogger("hearth.api")

AUTH_CHALLENGE = {"WWW-Authenticate": 'Basic realm="hearth"'}

# Short names for statuses that reach us as plain HTTP exceptions (routing, framework).
_HTTP_NAMES = {
    400: ValidationError.code_name,
    401: AuthFailure.code_name,
    403: Forbidden.code_name,
    404: NotFound.code_name,
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: Conflict.code_name,
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: ValidationError.code_name,
    429: LimitExceeded.code_name,
    501: NotSupported.code_name,
    502: BackendError.code_name,
    504: BackendTimeout.code_name,
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")

    code: int = Field(ge=400, le=599)
    error: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


# Documented on every /v1 operation, so clients (and schemathesis) know each failure's shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("Bad request: the input is wrong (the message names what)"),
    401: _doc("Missing or wrong credentials"),
    403: _doc("Not allowed for this user"),
    404: _doc("No such resource (or not yours)"),
    409: _doc("Conflicts with the resource's state; the message lists what is allowed now"),
    422: _doc("The request does not match the schema (the message names the fields)"),
    413: _doc("The request body is larger than this route allows"),
    429: _doc("Too many tasks waiting, or too many failed logins; retry after Retry-After seconds"),
    500: _doc("Internal error; the server log has the details under the given reference"),
    501: _doc("Not supported by this server's driver"),
    502: _doc("The backend failed"),
    504: _doc("The backend did not answer in time"),
}


def error_response(
    status: int, name: str, message: str, details: dict[str, Any] | None = None, **kw: Any
) -> JSONResponse:
    body = {"code": status, "error": name, "message": message, "details": json_safe(details or {})}
    return JSONResponse(body, status_code=status, **kw)


def response_for(exc: HearthError, caller: Caller | None = None) -> JSONResponse:
    """The error body for ``exc`` as ``caller`` may see it (None: unauthenticated, not an admin)."""
    challenge = isinstance(exc, AuthFailure) and not isinstance(exc, SessionEnded)
    headers: dict[str, str] = dict(AUTH_CHALLENGE) if challenge else {}
    retry = exc.details.get("retry_after")
    if isinstance(retry, int) and not isinstance(retry, bool):
        headers["Retry-After"] = str(retry)
    message, details = visible(exc, caller)
    return error_response(exc.status, exc.code_name, message, details, headers=headers or None)


def visible(exc: HearthError, caller: Caller | None) -> tuple[str, dict[str, Any]]:
    """What ``exc`` says (message, details) as ``caller`` may read it, whatever the frontend."""
    message, details = redact(exc.message), redact_data(exc.details)
    if caller is None or not caller.is_admin:
        shown, shown_details = for_tenant(message), for_tenant_data(details)
        if (shown, shown_details) != (message, details):
            ref = uuid.uuid4().hex[:12]
            log.log(
                logging.WARNING if exc.status >= 500 else logging.INFO,
                "%s shown to a tenant without host details (reference %s): %s %s",
                exc.code_name,
                ref,
                message,
                details,
            )
            message, details = f"{shown} (reference {ref})", {**shown_details, "reference": ref}
    return message, details


async def hearth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HearthError)
    return response_for(exc, request.scope.get("state", {}).get(CALLER))


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # Union branch tags ("<image form>") and pydantic's type tags are not part of the field path.
    parts = [str(p) for p in loc if not (isinstance(p, str) and (p.startswith("<") or "[" in p))]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header"):
        return ".".join(parts[1:]) if parts[0] == "body" else f"{parts[0]} parameter {'.'.join(parts[1:])}"
    return ".".join(parts) or "body"


async def request_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field; 400 when the body is not JSON at all."""
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, ValidationError.code_name, "the request body is not valid JSON")
    problems: list[str] = []
    fields: list[str] = []
    for err in errors:
        where = _field(err.get("loc", ()))
        fields.append(where)
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        problems.append(f"{where}: {msg}")
    message = "invalid request: " + "; ".join(dict.fromkeys(problems))
    return error_response(422, ValidationError.code_name, message, {"fields": list(dict.fromkeys(fields))})


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Routing and framework errors (unknown path 404, wrong method 405, …) in the same shape."""
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    name = _HTTP_NAMES.get(status, "HTTPError")
    if status == 404:
        message = f"no such resource: {request.url.path}"
    elif status == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = exc.detail if isinstance(exc.detail, str) else "the request failed"
    headers = dict(exc.headers or {})
    if status == 401:
        headers.update(AUTH_CHALLENGE)
    allowed = _allowed_methods(request) if status == 405 else []
    if allowed:
        headers["Allow"] = ", ".join(allowed)
    return error_response(status, name, message, headers=headers or None)


MethodTable = list[tuple[re.Pattern[str], frozenset[str]]]


def method_table(routers: Iterable[APIRouter]) -> MethodTable:
    """Path pattern → methods for every route, to answer 405 with a complete Allow header
    (Starlette's names only the methods of the first route matching the path)."""
    return [
        (compile_path(route.path)[0], frozenset(route.methods or ()))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def _allowed_methods(request: Request) -> list[str]:
    table: MethodTable = getattr(request.app.state, "method_table", [])
    path = request.url.path
    return sorted({m for pattern, methods in table if pattern.match(path) for m in methods})


def internal_error(method: str, path: str, exc: BaseException) -> JSONResponse:
    """Log the traceback under a reference; the client gets the reference, never the traceback."""
    ref = uuid.uuid4().hex[:12]
    log.error("internal error on %s %s (reference %s)", method, path, ref, exc_info=exc)
    return error_response(
        500, "InternalError", f"internal server error (reference {ref})", {"reference": ref}
    )


class InternalErrors:
    """ASGI middleware answering any unexpected exception with the 500 error body.

    Starlette's own last-resort handler sends its response and then re-raises, so the server
    drops the keep-alive connection and logs the traceback a second time; this one does neither.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # too late for an error body: let the server close the connection
                raise
            response = internal_error(scope.get("method", "?"), scope.get("path", "?"), exc)
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(HearthError, hearth_error)
    app.add_exception_handler(RequestValidationError, request_validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(InternalErrors)
