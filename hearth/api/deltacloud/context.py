"""One request as the handlers see it: the service, the links to build, who is calling.

The driver a request picked is the server's own (Hearth's users, HTTP Basic) or one reached per
request (``remote``): then HTTP Basic carries that cloud's key pair, and the service the handlers
call is that key pair's, found when the caller is first asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from hearth.drivers import Caller
from hearth.errors import AuthFailure
from hearth.service import Service
from hearth.service.capability import CapabilityGate
from hearth.service.per_request import RemoteDriver, Session

from ..credentials import authenticate, basic_credentials
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
    gate: CapabilityGate | None = None  # what the picked driver serves (None: the service's)
    remote: RemoteDriver | None = None  # the picked driver, when reached per request
    _session: Session | None = None

    def __post_init__(self) -> None:
        if self.gate is None:
            self.gate = self.service.gate

    @property
    def served(self) -> CapabilityGate:
        """The picked driver's capabilities, known without a call to it."""
        assert self.gate is not None  # set in __post_init__
        return self.gate

    async def caller(self) -> Caller:
        """The HTTP Basic user, checked as /v1 checks it (AuthFailure → 401 with a challenge); for
        a driver reached per request, the key pair's owner, and ``service`` becomes its Service."""
        if self.remote is not None:
            if self._session is None:
                header = self.request.header("authorization")
                if not header:
                    raise AuthFailure(
                        f"authentication required: use HTTP Basic with the {self.remote.name} "
                        "access key id as user name and the secret access key as password"
                    )
                key_id, secret = basic_credentials(header)
                self._session = await call(self.remote.lease, key_id, secret)
                self.service = self._session.service
            return self._session.caller
        return await authenticate(self.service, self.request.header("authorization"), self.request.client)

    async def release(self) -> None:
        """Hand back the key pair's session this request leased (the frontend calls it last)."""
        if self.remote is not None and self._session is not None:
            session, self._session = self._session, None
            await call(self.remote.release, session)

    async def service_caller(self) -> Caller:
        """For the public collections: the user if credentials came, else a caller that owns
        nothing (a name no user can have), so only the shared catalogue is visible. A cloud's
        catalogue needs the cloud's credentials all the same."""
        if self.remote is not None or self.request.header("authorization"):
            return await self.caller()
        return PUBLIC

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A blocking service call, off the event loop."""
        return await call(func, *args, **kwargs)
