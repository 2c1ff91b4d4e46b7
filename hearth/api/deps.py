"""The one dependency every /v1 route takes: who is calling, and whether the driver serves the route.

``serving(op)`` authenticates (HTTP Basic, parsed here so a malformed header is the same 401 as a
wrong password, or the web UI's session cookie with its CSRF token; repeat callers come from the
authenticator's cache without leaving the event loop) and then asks the service's capability
gate, so 401 comes before 501, and both before the body is validated. It yields a ``Call``: the
Service, the Caller, and where the route's operation runs (``Call.run``): on the event loop when
the driver says it never blocks, on the store's threads when it never waits on a host, else on a
worker thread. FastAPI resolves every dependency of every request, so the hot routes pay for
exactly this one.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPBasic

from hearth.drivers import Caller, Operation
from hearth.service import Placement, Service

from .credentials import CALLER, request_caller

P = ParamSpec("P")
T = TypeVar("T")

# Blocking service calls run here. A plain executor hands work to a thread for less than anyio's
# to_thread (measured ~200 vs ~275 µs per GET with a zero-cost driver), and its bound keeps the
# store's connection pool and the GIL from being swamped by a burst of requests.
CALL_THREADS = 8
_calls = ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="hearth-api")
# Calls that only read or write Hearth's own store run on threads of their own: a host that hangs
# can hold every thread above (each waiting on it), and must not hold these up too.
_store_calls = ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="hearth-store")


async def call(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking call that may wait on a backend off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_calls, functools.partial(func, *args, **kwargs))


async def call_store(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking call that touches only Hearth's store, never a backend, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(
        _store_calls, functools.partial(func, *args, **kwargs)
    )


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request: the service it asks, who asks, where its operation runs."""

    service: Service
    caller: Caller
    placement: Placement = Placement.backend

    def at(self, op: Operation) -> Call:
        """This request running ``op``, for a route whose body decides the operation."""
        return Call(self.service, self.caller, self.service.gate.placement(op))

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run the blocking service operation ``func`` where the route's operation belongs.

        Inline, the hand-off to a worker thread and back (which costs more than a single local
        SELECT, and under load sets the tail latency) is skipped altogether."""
        if self.placement is Placement.inline:
            return func(*args, **kwargs)
        if self.placement is Placement.store:
            return await call_store(func, *args, **kwargs)
        return await call(func, *args, **kwargs)

    async def thread(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run other blocking work (files, host facts, templates) on a worker thread."""
        return await call(func, *args, **kwargs)


class Authorized(HTTPBasic):
    """HTTP Basic, declared in OpenAPI as the ``basic`` scheme, the authentication itself and,
    given an operation, the capability gate: one dependency rather than a scheme, a caller
    function and a gate, because FastAPI resolves each of them on every request."""

    def __init__(self, op: Operation | None = None) -> None:
        super().__init__(realm="hearth", scheme_name="basic", auto_error=False)
        self.op = op

    async def __call__(self, request: Request) -> Call:  # type: ignore[override]
        """The request's ``Call``; AuthFailure (401 with a Basic challenge), then NotSupported."""
        svc: Service = request.app.state.service
        who: Caller | None = request.scope.get("state", {}).get(CALLER)
        if who is None:  # the Gate authenticated every /v1 request already; this is for an app without it
            client = request.client
            who = await request_caller(svc, request.headers, request.method, client.host if client else None)
        if self.op is None:
            return Call(svc, who)
        svc.gate.require(self.op)
        return Call(svc, who, svc.gate.placement(self.op))


def serving(op: Operation | None = None) -> Any:
    """The dependency of a route whose driver operation is ``op`` (None: the route checks the
    operation itself, e.g. when the body's form decides it): ``Annotated[Call, serving(op)]``."""
    return Depends(Authorized(op))


AUTHENTICATED = Authorized()
CallDep = Annotated[Call, Depends(AUTHENTICATED)]


# --- the older spellings the media routes still use ---------------------------------------------


async def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


async def caller(call: CallDep) -> Caller:
    return call.caller


ServiceDep = Annotated[Service, Depends(service)]
CallerDep = Annotated[Caller, Depends(caller)]
