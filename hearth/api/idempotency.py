"""The ``Idempotency-Key`` header on every /v1 create, over the service's ``Idempotency``.

Creates are the POST routes that answer 201, and those marked ``CREATE_MARK`` that answer a
create's task (streamed uploads aside); ``mark_creates`` documents
the header on each of them, and the ASGI middleware below does the work for all of them alike,
so no route has to remember it. A request with a key is fingerprinted (method, path, query, and the body as
canonical JSON, so key order and spacing do not matter), then either replayed from the store or
run with its answer captured and kept before it is sent: a retry arriving the moment the client
has the first answer already finds it. Replays carry ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.drivers import Caller
from hearth.errors import HearthError
from hearth.service import Service
from hearth.service.idempotency import MAX_KEY, Answer, fingerprint

from .credentials import CALLER
from .errors import error_response, response_for

HEADER = "Idempotency-Key"
SCOPE = "v1"
_MARK = "x-hearth-idempotent"
CREATE_MARK = "x-hearth-create"  # openapi_extra of a create that answers 202 with its task
_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique string: a retry with the same key and body gets the first answer "
    "(status, body, Location) for 24 hours; the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY, "pattern": "^[\\x20-\\x7e]+$"},
}

RouteTable = list[tuple[re.Pattern[str], frozenset[str]]]


def mark_creates(routes: Iterable[BaseRoute]) -> RouteTable:
    """Document the header on every create (a POST answering 201, or marked ``CREATE_MARK``)
    of an app's own routes; returns their path patterns."""
    table: RouteTable = []
    for route in routes:
        if not isinstance(route, APIRoute) or "POST" not in (route.methods or ()):
            continue
        extra = dict(route.openapi_extra or {})
        answers_201 = route.status_code == 201 or 201 in route.responses or "201" in route.responses
        if not answers_201 and not extra.get(CREATE_MARK):
            continue
        if extra.get("x-hearth-body") == "upload":
            continue  # a streamed file is not buffered to fingerprint it
        if not extra.get(_MARK):
            extra["parameters"] = [*extra.get("parameters", []), _PARAMETER]
            extra[_MARK] = True
            route.openapi_extra = extra
        table.append((compile_path(route.path)[0], frozenset({"POST"})))
    return table


def _canonical(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class IdempotentCreates:
    """ASGI middleware, inside the Gate (it needs the authenticated caller)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        caller: Caller | None = scope.get("state", {}).get(CALLER)
        if key is None or caller is None:
            await self.app(scope, receive, send)
            return
        svc: Service = scope["app"].state.service
        try:
            body = await _read(receive)
        except HTTPException as exc:  # the Gate's bound, passed while buffering the body
            name = "PayloadTooLarge" if exc.status_code == 413 else "HTTPError"
            await error_response(exc.status_code, name, str(exc.detail))(scope, receive, send)
            return
        fp = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), _canonical(body))
        try:
            replay = await run_in_threadpool(svc.idempotency.begin, caller, SCOPE, key, fp)
        except HearthError as exc:
            await response_for(exc, caller)(scope, receive, send)
            return
        if replay is not None:
            await _send_answer(send, replay)
            return
        try:
            answer, messages = await self._run(scope, body, receive)
        except BaseException:
            await run_in_threadpool(svc.idempotency.abandon, caller, SCOPE, key)
            raise
        if answer is not None and 200 <= answer.status < 300:
            await run_in_threadpool(svc.idempotency.finish, caller, SCOPE, key, answer)
        else:
            await run_in_threadpool(svc.idempotency.abandon, caller, SCOPE, key)
        for message in messages:
            await send(message)

    def _key(self, scope: Scope) -> str | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        table: RouteTable = getattr(scope["app"].state, "idempotent_routes", [])
        if not any(pattern.match(scope["path"]) for pattern, _ in table):
            return None
        for name, value in scope["headers"]:
            if name == b"idempotency-key":
                text: str = value.decode("latin-1")
                return text
        return None

    async def _run(self, scope: Scope, body: bytes, receive: Receive) -> tuple[Answer | None, list[Message]]:
        """Run the app on the buffered body; its answer and the messages to send, held back."""
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # only a disconnect can follow
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        messages: list[Message] = []

        async def hold(message: Message) -> None:
            messages.append(message)

        await self.app(scope, replay_body, hold)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        if start is None:
            return None, messages
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return None, messages
        return Answer(int(start["status"]), text, headers.get("location")), messages


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_answer(send: Send, answer: Answer) -> None:
    body = answer.body.encode("utf-8")
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    if answer.location:
        headers.append((b"location", answer.location.encode("latin-1")))
    start: dict[str, Any] = {"type": "http.response.start", "status": answer.status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})
