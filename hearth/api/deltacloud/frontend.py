"""The ``/api`` endpoint: one ASGI app that negotiates the format, picks the driver, routes,
authenticates and answers in Deltacloud's documents — every failure as its error document.

It is served ahead of /v1's middleware (``DeltacloudEntry``), like /ec2: Deltacloud has its own
formats, its own public collections and its own error shape, none of which /v1's layers know.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth.errors import AuthFailure, HearthError
from hearth.service import Service
from hearth.service.config import DEFAULT_JSON_BODY, DEFAULT_UPLOAD_BODY
from hearth.service.per_request import RemoteDriver

from ..asgi_body import BodyTooLarge, read_body
from ..errors import visible
from . import collections as c
from .answer import Answer
from .browser import for_browser
from .collections import VERSION
from .context import Context
from .document import Document, render
from .faults import DeltacloudError, error_document, status_of
from .formats import DOCUMENT_FORMATS, Format, NotAcceptable, negotiate
from .links import PREFIX, Links
from .request import ApiRequest, read
from .routes import allowed, match, route_collection, streams
from .stream import RequestBody, send_stream

log = logging.getLogger("hearth.api.deltacloud")

SERVER: Final = f"Apache-Deltacloud/{VERSION}"
DRIVER_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")  # what a request may name as a driver


def _etag(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def _tags(header: str) -> set[str]:
    """The entity tags an If-None-Match header lists, quoted or not, weak or not."""
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}


def _base(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "localhost")
    return f"{scope.get('scheme', 'http')}://{host}"


# What a request to a driver reached per request may do without that cloud's credentials:
# what the driver's class declares answers it (the entry point, the drivers, the state machine).
OFFLINE: Final = frozenset({c.entry, c.drivers, c.driver_show, c.states, c.redirect})


def _check_provider(request: ApiRequest, driver: str, remote: RemoteDriver) -> None:
    """A provider (region) other than the one configured is refused, never silently swapped for
    it: the request would act in another region than it asked for."""
    asked = request.selected("provider") or request.params.get("provider")
    if asked and asked != "default" and asked not in remote.providers:
        served = ", ".join(remote.providers) or "default"
        raise DeltacloudError(
            400, f"the {driver} driver serves the provider {served} on this server, not '{asked[:64]}'"
        )


class DeltacloudFrontend:
    def __init__(
        self, service: Service, body_limit: int = DEFAULT_JSON_BODY, upload_limit: int = DEFAULT_UPLOAD_BODY
    ) -> None:
        self.service = service
        self.body_limit = body_limit
        self.upload_limit = upload_limit  # a streamed body's bound (blob uploads), as on /v1

    @property
    def driver_name(self) -> str:
        return self.service.gate.driver_name

    async def _send(
        self,
        send: Send,
        status: int,
        body: bytes,
        content_type: str | None,
        extra: list[tuple[str, str]],
        driver: str,
        head: bool = False,
    ) -> None:
        headers = [("server", SERVER), ("x-deltacloud-driver", driver)]
        if content_type is not None:
            headers.append(("content-type", content_type))
        if status in (200, 201) and body:
            headers.append(("etag", _etag(body)))
        headers.append(("content-length", str(len(body))))
        headers.extend(extra)
        start: Message = {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
        await send(start)
        await send({"type": "http.response.body", "body": b"" if head else body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        driver = self.driver_name
        fmt = Format.xml
        request: ApiRequest | None = None
        head = scope["method"] == "HEAD"
        extra: list[tuple[str, str]] = []
        streamed: RequestBody | None = None
        ctx: Context | None = None
        try:
            request = read(scope, PREFIX, b"")
            found = match(request.path)
            if found is not None and streams(found[0], request.method, request.header("content-type")):
                declared = request.header("content-length")
                length = int(declared) if declared and declared.isdigit() else None
                streamed = RequestBody(receive, self.upload_limit, length)
            else:
                try:
                    body = await read_body(receive, self.body_limit)
                except BodyTooLarge:
                    raise DeltacloudError(
                        413, f"the request body is larger than {self.body_limit} bytes"
                    ) from None
                request = read(scope, PREFIX, body)
            try:
                fmt = negotiate(request.params.get("format"), request.header("accept"))
            except NotAcceptable:
                await self._send(send, 406, b"", Format.html.value, [], driver)
                return
            asked = request.selected("driver")
            gate, remote = None, None
            if asked is not None and asked != driver:
                if not DRIVER_NAME.match(asked):  # never echoed into a header: it may hold CR LF
                    raise DeltacloudError(500, "Driver names are letters, digits, _ and -; none is available")
                driver = asked
                gate = self.service.backends.gate(asked)
                if gate is None:
                    raise DeltacloudError(500, f"Driver '{driver}' is not available on this server")
                remote = self.service.backends.remote(asked)
            found = match(request.path)
            if found is None:
                raise DeltacloudError(404)
            route, ids = found
            methods = allowed(route)
            if request.method == "OPTIONS":
                await self._send(send, 200, b"", None, [("allow", ",".join(methods))], driver)
                return
            handler = route.methods.get("GET" if head and "HEAD" not in route.methods else request.method)
            if handler is None:
                extra = [("allow", ",".join(methods))]
                raise DeltacloudError(405, f"the method {request.method} is not allowed on {request.url}")
            shared = getattr(scope.get("app"), "state", self)
            ctx = Context(self.service, request, Links(_base(scope)), driver, streamed, shared, gate, remote)
            if remote is not None and handler not in OFFLINE:
                if not c.served_by(route_collection(request.path), remote.gate, remote=True):
                    raise DeltacloudError(404, f"the {driver} driver has no such collection")
                _check_provider(request, driver, remote)
                await ctx.caller()  # the key pair's Service answers from here on
            answer: Answer = await handler(ctx, *ids)
            if fmt is Format.html:  # a browser: its page's forms, or a redirect after its post
                answer = await for_browser(ctx, answer)
            await self._answer(send, answer, fmt, driver, head, request.header("if-none-match"))
        except DeltacloudError as exc:
            headers = extra + exc.headers
            await self._error(send, exc.status, exc.message, request, scope, fmt, driver, headers, head)
        except AuthFailure as exc:
            challenge = [("www-authenticate", f'Basic realm="{driver}-deltacloud@hearth"')]
            await self._error(send, 401, exc.message, request, scope, fmt, driver, challenge, head)
        except HearthError as exc:
            message, _ = visible(exc, None)
            await self._error(send, status_of(exc), message, request, scope, fmt, driver, extra, head)
        except Exception:
            log.exception("internal error in the Deltacloud frontend")
            await self._error(send, 500, "internal server error", request, scope, fmt, driver, [], head)
        finally:
            if ctx is not None:
                await ctx.release()  # a per-request driver's session, leased by ctx.caller()

    async def _answer(
        self, send: Send, answer: Answer, fmt: Format, driver: str, head: bool, if_none_match: str | None
    ) -> None:
        """The answer's document; a GET whose If-None-Match names its ETag gets 304 and no body
        (Deltacloud's conditional GET), so clients that poll pay only for changes."""
        if answer.stream is not None:
            common = [("server", SERVER), ("x-deltacloud-driver", driver)]
            await send_stream(send, answer.status, common + answer.headers, answer.stream, head)
            return
        if answer.body is not None:
            await self._send(
                send, answer.status, answer.body, answer.content_type, answer.headers, driver, head
            )
            return
        if fmt not in DOCUMENT_FORMATS:  # a picture asked of something that is not one
            await self._send(send, 406, b"", Format.html.value, [], driver, head)
            return
        if answer.document is None:
            await self._send(send, answer.status, b"", None, answer.headers, driver, head)
            return
        body = render(answer.document, fmt)
        if answer.status == 200 and if_none_match and _etag(body) in _tags(if_none_match):
            await self._send(send, 304, b"", None, [("etag", _etag(body))], driver, head)
            return
        await self._send(send, answer.status, body, fmt.value, answer.headers, driver, head)

    async def _error(
        self,
        send: Send,
        status: int,
        message: str,
        request: ApiRequest | None,
        scope: Scope,
        fmt: Format,
        driver: str,
        extra: list[tuple[str, str]],
        head: bool,
    ) -> None:
        url = request.url if request is not None else scope["path"]
        provider = (request.selected("provider") or request.params.get("provider")) if request else None
        doc: Document = error_document(status, message, url, driver, provider or "default")
        fmt = fmt if fmt in DOCUMENT_FORMATS else Format.xml  # an error is no picture
        await self._send(send, status, render(doc, fmt), fmt.value, extra, driver, head)


class DeltacloudEntry:
    """ASGI middleware that hands ``/api`` and everything below it to the Deltacloud frontend
    before /v1's middleware (auth gate, idempotency, JSON errors) sees the request."""

    def __init__(self, app: ASGIApp, frontend: DeltacloudFrontend) -> None:
        self.app = app
        self.frontend = frontend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path == PREFIX or path.startswith(PREFIX + "/") or path.startswith(PREFIX + ";"):
            await self.frontend(scope, receive, send)
        else:
            await self.app(scope, receive, send)
