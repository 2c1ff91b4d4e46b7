"""Deltacloud's capability rule: an operation the backend lacks answers 412 with ``Expect``
naming the driver method it would need (``create_address``), before credentials or parameters
are looked at, as Deltacloud's ``with_capability`` check runs first.

Handlers declare what they need with ``@requires``, so the rule is written once and every
collection answers it the same way (rather than the service's NotSupported, a 501).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec

from hearth.drivers import Operation

from .answer import Answer
from .context import Context
from .faults import missing_capability

P = ParamSpec("P")
Handler = Callable[Concatenate[Context, P], Awaitable[Answer]]


def requires(operation: Operation, capability: str) -> Callable[[Handler[P]], Handler[P]]:
    """Refuse the request with 412 ``Expect: capability`` unless the backend serves ``operation``."""

    def wrap(handler: Handler[P]) -> Handler[P]:
        async def checked(ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> Answer:
            if not ctx.served.supports(operation):
                raise missing_capability(capability)
            return await handler(ctx, *args, **kwargs)

        functools.update_wrapper(checked, handler)
        return checked

    return wrap


def serves(ctx: Context, operation: Operation) -> bool:
    """Whether the backend serves ``operation`` (an action link is offered only then)."""
    return ctx.served.supports(operation)
