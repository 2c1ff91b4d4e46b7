"""The ``/ec2`` endpoint: one ASGI app that reads a Query request, authenticates it, runs the
action and answers in EC2's XML — every failure, expected or not, as EC2's error document.

It is served ahead of /v1's middleware and routers rather than routed through FastAPI
(``hearth.api.ec2.entry``): EC2 has one URL for every action, no JSON, no OpenAPI, its own authentication
and body bound, and its errors must never take /v1's JSON shape.
"""

from __future__ import annotations

import logging
import uuid
from typing import Final

from starlette.types import Message, Receive, Scope, Send

from hearth.errors import HearthError
from hearth.service import Service
from hearth.service.config import DEFAULT_JSON_BODY

from ..asgi_body import BodyTooLarge, read_body
from ..errors import visible
from . import actions  # noqa: F401  (registers every action)
from .auth import authenticate
from .calls import ServiceCalls
from .context import Context, Frontend
from .entry import PREFIX
from .faults import Ec2Error, code_for, status_of
from .ids import IdMap
from .registry import ACTIONS
from .render import XML_TYPE, error_document, response_document
from .request import read_request, request_pairs
from .sigv4 import SignedRequest

log = logging.getLogger("hearth.api.ec2")

METHODS: Final = ("GET", "POST")


async def _send(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [
        (b"content-type", XML_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    start: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body})


def _wire(scope: Scope, body: bytes) -> SignedRequest:
    """The request as a signature covers it: raw path and query, every header, the body."""
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
    raw = scope.get("raw_path") or scope["path"].encode()
    return SignedRequest(
        method=scope["method"],
        path=raw.decode("latin-1"),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
    )


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def _endpoint(scope: Scope) -> str:
    host = _header(scope, b"host") or "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{PREFIX}"


class Ec2Frontend:
    def __init__(self, service: Service, body_limit: int = DEFAULT_JSON_BODY) -> None:
        self.service = service
        self.state = Frontend(ServiceCalls(service), IdMap())
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = str(uuid.uuid4())
        if scope["method"] not in METHODS:
            doc = error_document("InvalidAction", "EC2's Query protocol is GET or POST", request_id)
            await _send(send, 405, doc, [(b"allow", b", ".join(m.encode() for m in METHODS))])
            return
        caller = None
        conflict = "IncorrectState"
        try:
            try:
                body = await read_body(receive, self.body_limit)
            except BodyTooLarge:
                raise Ec2Error(
                    "RequestEntityTooLarge", f"the request body is larger than {self.body_limit} bytes"
                ) from None
            wire = _wire(scope, body)
            pairs = request_pairs(
                wire.method, wire.query.encode("latin-1"), body, _header(scope, b"content-type")
            )
            caller = await authenticate(self.service, wire)
            request = read_request(pairs)
            spec = ACTIONS.get(request.action)
            if spec is None:
                raise Ec2Error(
                    "InvalidAction", f"The action {request.action} is not valid for this web service."
                )
            conflict = spec.conflict
            request.params.refuse_unknown(spec.params)
            if request.params.boolean("DryRun"):
                raise Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
            context = Context(caller, self.state, request_id, _endpoint(scope))
            answer = await spec.handler(context, request.params)
            if isinstance(answer, bytes):  # a replayed answer (ClientToken), already a document
                await _send(send, 200, answer)
                return
            await _send(send, 200, response_document(request.action, request_id, answer))
        except Ec2Error as exc:
            await _send(send, exc.status, error_document(exc.code, exc.message, request_id))
        except HearthError as exc:
            code = str(exc.details.get("ec2_code") or code_for(exc, conflict))  # sigv4 names its code
            message, _ = visible(exc, caller)
            await _send(send, status_of(code), error_document(code, message, request_id))
        except Exception:
            log.exception("internal error in the EC2 frontend (request %s)", request_id)
            doc = error_document(
                "InternalError", f"internal server error (reference {request_id})", request_id
            )
            await _send(send, 500, doc)
