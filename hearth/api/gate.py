"""Who is calling and how much they may send, decided from the request head before any body is read.

FastAPI reads (and buffers) a request's body before it resolves the route's dependencies, so an
authentication dependency alone lets an anonymous client make the server hold 200 MB before it
hears 401. This ASGI middleware answers first: every path under a guarded prefix needs
credentials (except the public documents), checked from the headers (HTTP Basic, or the web
UI's session cookie with its CSRF token), and a body declared larger
than its route class allows is refused with 413 at once. A body of unknown length is counted
while it is read and cut off with 413 the moment it passes the bound. The caller it found is left
in the request state, where the ``caller`` dependency picks it up without checking again.

Route classes: JSON bodies get the small bound; routes that stream a file (their ``openapi_extra``
carries ``STREAMED``) get the upload bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.drivers import Caller
from hearth.errors import HearthError, PayloadTooLarge
from hearth.service.config import DEFAULT_JSON_BODY, DEFAULT_UPLOAD_BODY

from .credentials import CALLER, request_caller
from .errors import response_for

STREAMED = {"x-hearth-body": "upload"}  # openapi_extra of routes whose body is a streamed file
GUARDED = ("/v1",)
PUBLIC = frozenset({"/v1/openapi.json", "/v1/docs", "/v1/docs/oauth2-redirect"})


@dataclass(frozen=True)
class BodyLimits:
    """The largest request body, in bytes, of each route class."""

    json: int = DEFAULT_JSON_BODY
    upload: int = DEFAULT_UPLOAD_BODY


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes, the bound for this route"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body passes its bound while it is read (413): an
    HTTPException, so FastAPI's body parsing passes it on to the error handlers unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


RouteTable = list[tuple[re.Pattern[str], frozenset[str]]]


def streamed_routes(routers: Iterable[APIRouter]) -> RouteTable:
    """Path pattern → methods of the routes that take a streamed file as their body."""
    return [
        (compile_path(route.path)[0], frozenset(route.methods or ()))
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and (route.openapi_extra or {}).get("x-hearth-body") == "upload"
    ]


PUBLIC_PREFIXES = ("/v1/docs/assets/",)  # Swagger UI's own files (hearth.api.docs)


def _guarded(path: str) -> bool:
    if path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
        return False
    return any(path == p or path.startswith(p + "/") for p in GUARDED)


def _body_headers(scope: Scope) -> tuple[int | None, bool]:
    """The declared Content-Length (None: none) and whether the body comes chunked."""
    length: int | None = None
    chunked = False
    for key, value in scope["headers"]:
        if key == b"content-length" and value.isdigit():
            length = int(value)
        elif key == b"transfer-encoding":
            chunked = True
    return length, chunked


class Gate:
    """ASGI middleware: authentication first, then the body bound, then the app."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            if _guarded(scope["path"]):
                scope.setdefault("state", {})[CALLER] = await self._authenticate(scope)
        except HearthError as exc:
            await response_for(exc)(scope, receive, send)
            return
        declared, chunked = _body_headers(scope)
        if declared is None and not chunked:  # no body (a GET): nothing to bound
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        if declared is not None and declared > limit:
            await response_for(PayloadTooLarge(_too_large(limit)))(scope, receive, send)
            return
        await self.app(scope, _bounded(receive, limit), send)

    async def _authenticate(self, scope: Scope) -> Caller:
        client = scope.get("client")
        return await request_caller(
            scope["app"].state.service, Headers(scope=scope), scope["method"], client[0] if client else None
        )

    def _limit(self, scope: Scope) -> int:
        table: RouteTable = getattr(scope["app"].state, "streamed_routes", [])
        path, method = scope["path"], scope["method"]
        if any(method in methods and pattern.match(path) for pattern, methods in table):
            return self.limits.upload
        return self.limits.json


def _bounded(receive: Receive, limit: int) -> Receive:
    total = 0

    async def counted() -> Message:
        nonlocal total
        message = await receive()
        if message["type"] == "http.request":
            total += len(message.get("body", b""))
            if total > limit:
                raise BodyTooLarge(limit)
        return message

    return counted
