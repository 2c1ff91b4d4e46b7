"""Hot single-resource GETs answered without FastAPI's per-request machinery, when nothing is unusual.

FastAPI solves every dependency of every request (router auth, capability gate, path parameters)
and re-validates the returned model; for a GET whose driver read is a local SELECT that is most
of the cost. A route opting in with ``fast_read`` is still declared, documented and served by
FastAPI as usual; its route class only short-cuts the common case — a GET whose caller is known
(the Gate's verdict, or a cached one), whose operation the driver serves inline, with a valid id
and no dependency overrides — to the same service calls. Anything else (no or unknown
credentials, 501, a bad id) takes the full path, so auth order, validation and error shapes are
FastAPI's own; errors the read raises reach the same app-level handlers. The answer goes through
the route's own response field, validated and serialised exactly as FastAPI would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi._compat import ModelField
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hearth.drivers import Caller, Operation
from hearth.service import Service

from .credentials import CALLER

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__hearth_fast_read__"


@dataclass(frozen=True)
class FastRead:
    """What the short cut needs: the operation, the id path parameter and its bound, the read."""

    op: Operation
    param: str
    max_length: int
    read: Callable[[Service, Caller, str], BaseModel]

    def answer(self, scope: Scope, field: ModelField) -> Response | None:
        """The response for an ordinary request, or None when the full path must decide."""
        if scope["method"] != "GET":
            return None
        app = scope["app"]
        if app.dependency_overrides:
            return None
        svc: Service = app.state.service
        if self.op not in svc.inline_operations or not svc.capabilities.supports(self.op):
            return None
        ident = scope.get("path_params", {}).get(self.param)
        if not isinstance(ident, str) or not 1 <= len(ident) <= self.max_length:
            return None
        who = scope.get("state", {}).get(CALLER)  # the Gate's verdict, when it ran
        if who is None:
            header = _authorization(scope)
            who = svc.auth.cached_header(header) if header else None
        if who is None:
            return None
        result = self.read(svc, who, ident)
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:  # a driver bug: a 500, as on the full path
            raise ResponseValidationError(errors=errors, body=result)
        return Response(field.serialize_json(value), media_type="application/json")


def _authorization(scope: Scope) -> str | None:
    # The first Authorization header, decoded as Starlette's Headers does.
    for key, value in scope["headers"]:
        if key == b"authorization":
            text: str = value.decode("latin-1")
            return text
    return None


def fast_read(
    op: Operation, param: str, max_length: int, read: Callable[[Service, Caller, str], BaseModel]
) -> Callable[[F], F]:
    """Mark a GET endpoint as served by ``FastReadRoute``'s short cut (``read`` must be what it does)."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _MARK, FastRead(op, param, max_length, read))
        return endpoint

    return mark


class FastReadRoute(APIRoute):
    """An APIRoute that answers ordinary requests to ``fast_read`` endpoints directly."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        fast: FastRead | None = getattr(self.endpoint, _MARK, None)
        response = None
        if fast is not None and self.response_field is not None and self._default_serialisation():
            response = fast.answer(scope, self.response_field)
        if response is None:
            await super().handle(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _default_serialisation(self) -> bool:
        # The short cut serialises as FastAPI does with the default response class and options.
        return (
            self.response_model_by_alias
            and self.response_model_include is None
            and self.response_model_exclude is None
            and not self.response_model_exclude_unset
            and not self.response_model_exclude_defaults
            and not self.response_model_exclude_none
            and self.status_code in (None, 200)
            and isinstance(self.response_class, DefaultPlaceholder)
        )
