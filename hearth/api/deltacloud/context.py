"""One request as the handlers see it: the service, the links to build, who is calling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from hearth.drivers import Caller
from hearth.service import Service

from ..credentials import authenticate
from ..deps import call
from .links import Links
from .request import ApiRequest
from .stream import RequestBody

P = ParamSpec("P")
PUBLIC = Caller(user_id=":deltacloud-public:")
T = TypeVar("T")


@dataclass
class Context:
    service: Service
    request: ApiRequest
    links: Links
    driver_name: str
    body: RequestBody | None = None  # the unread body of a streamed route (a blob upload)
    shared: Any = None  # where app-wide objects live (the app's state): the one blob store

    async def caller(self) -> Caller:
        """The HTTP Basic user, checked as /v1 checks it (AuthFailure → 401 with a challenge)."""
        return await authenticate(self.service, self.request.header("authorization"), self.request.client)

    async def service_caller(self) -> Caller:
        """For the public collections: the user if credentials came, else a caller that owns
        nothing (a name no user can have), so only the shared catalogue is visible."""
        if self.request.header("authorization"):
            return await self.caller()
        return PUBLIC

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A blocking service call, off the event loop."""
        return await call(func, *args, **kwargs)
