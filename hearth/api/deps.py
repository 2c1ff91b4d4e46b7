"""FastAPI dependencies every router uses: the Service, the authenticated Caller, capability gates.

``caller`` parses HTTP Basic itself (so a malformed header is the same 401 as a wrong password)
and asks the Service's authenticator, which answers repeat callers from its cache without
leaving the event loop; only a real scrypt check goes to a worker thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPBasic
from starlette.concurrency import run_in_threadpool

from hearth.drivers import Caller, Operation
from hearth.errors import AuthFailure
from hearth.service import Service

T = TypeVar("T")


class _Basic(HTTPBasic):
    """Declares HTTP Basic in the OpenAPI document; parsing is done by ``caller`` below."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


basic_scheme = _Basic(realm="hearth", scheme_name="basic", auto_error=False)


async def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


def _credentials(header: str | None) -> tuple[str, str]:
    if not header:
        raise AuthFailure("authentication required: use HTTP Basic with a Hearth user name and password")
    scheme, _, param = header.partition(" ")
    if scheme.lower() != "basic" or not param:
        raise AuthFailure("only HTTP Basic authentication is accepted")
    try:
        decoded = base64.b64decode(param.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthFailure("the Basic credentials are not valid base64 of 'name:password'") from None
    name, sep, password = decoded.partition(":")
    if not sep or not name:
        raise AuthFailure("the Basic credentials must be 'name:password'")
    return name, password


async def caller(request: Request, _: Annotated[None, Depends(basic_scheme)]) -> Caller:
    """The authenticated caller; AuthFailure (401 with a Basic challenge) otherwise."""
    name, password = _credentials(request.headers.get("authorization"))
    svc: Service = request.app.state.service
    hit = svc.auth.cached(name, password)
    if hit is not None:
        return hit
    return await run_in_threadpool(svc.authenticate, name, password)


def requires(op: Operation) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A route dependency answering 501 when the driver does not serve ``op``.

    Dependencies are async on purpose: FastAPI runs plain functions on a worker thread.
    """

    async def gate(request: Request) -> None:
        request.app.state.service.require(op)

    gate.__name__ = f"requires_{op.name}"
    return gate


# Blocking driver and service calls run here. A plain executor hands work to a thread for less
# than anyio's to_thread (measured ~200 vs ~275 µs per GET with a zero-cost driver), and its
# bound keeps the store's connection pool and the GIL from being swamped by a burst of requests.
CALL_THREADS = 8
_calls = ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="hearth-api")


async def call(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service or driver call off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_calls, functools.partial(func, *args, **kwargs))


ServiceDep = Annotated[Service, Depends(service)]
CallerDep = Annotated[Caller, Depends(caller)]
