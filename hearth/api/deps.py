"""FastAPI dependencies every router uses: the Service, the authenticated Caller, capability gates.

``caller`` parses HTTP Basic itself (so a malformed header is the same 401 as a wrong password)
and asks the Service's authenticator, which answers repeat callers from its cache without
leaving the event loop; only a real scrypt check goes to a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPBasic

from hearth.drivers import Caller, Operation
from hearth.service import Service

from .credentials import CALLER, authenticate

T = TypeVar("T")


async def service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


class _BasicCaller(HTTPBasic):
    """HTTP Basic, declared in OpenAPI as the ``basic`` scheme, and the authentication itself.

    One dependency rather than a scheme plus a function: FastAPI resolves every dependency of
    every request, so the hot GETs pay for each one.
    """

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        """The authenticated caller; AuthFailure (401 with a Basic challenge) otherwise."""
        gated = request.scope.get("state", {}).get(CALLER)
        if gated is not None:  # the Gate authenticated this request from its headers already
            return gated  # type: ignore[no-any-return]
        client = request.client
        return await authenticate(
            request.app.state.service, request.headers.get("authorization"), client.host if client else None
        )


caller = _BasicCaller(realm="hearth", scheme_name="basic", auto_error=False)


def requires(op: Operation) -> Callable[[Request], Coroutine[Any, Any, Service]]:
    """A route dependency answering 501 when the driver does not serve ``op``, else the Service.

    Hot routes take the Service from it (one dependency instead of two); others list it in
    ``dependencies``. Dependencies are async on purpose: FastAPI runs plain functions on a worker
    thread.
    """

    async def gate(request: Request) -> Service:
        svc: Service = request.app.state.service
        svc.require(op)
        return svc

    gate.__name__ = f"requires_{op.name}"
    return gate


# Blocking driver and service calls run here. A plain executor hands work to a thread for less
# than anyio's to_thread (measured ~200 vs ~275 µs per GET with a zero-cost driver), and its
# bound keeps the store's connection pool and the GIL from being swamped by a burst of requests.
CALL_THREADS = 8
_calls = ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="hearth-api")
# Calls that only read or write Hearth's own store run on threads of their own: a host that hangs
# can hold every thread above (each waiting on it), and must not hold these up too.
_store_calls = ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="hearth-store")


async def call(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service or driver call off the event loop (it may wait on a backend)."""
    return await asyncio.get_running_loop().run_in_executor(_calls, functools.partial(func, *args, **kwargs))


async def call_store(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call that touches only Hearth's store, never a backend, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(
        _store_calls, functools.partial(func, *args, **kwargs)
    )


async def call_op(svc: Service, op: Operation, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the driver's ``op``: inline when the driver declares it a fast local read, on the
    store's threads when it is store-only, else as ``call``.

    The hand-off to a worker thread and back costs more than such a read itself (a single SQLite
    SELECT), and under load it is what sets the tail latency.
    """
    if op in svc.inline_operations:
        return func(*args, **kwargs)
    if op in svc.store_operations:
        return await call_store(func, *args, **kwargs)
    return await call(func, *args, **kwargs)


ServiceDep = Annotated[Service, Depends(service)]
CallerDep = Annotated[Caller, Depends(caller)]
