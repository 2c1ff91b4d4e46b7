"""Where ``/ec2`` requests leave the app for the EC2 frontend, which is built on the first of them.

The frontend's ~30 modules (every action, EC2's XML, SigV4) are ~2.6 MiB of a server's memory
(bench/blobs.py's idle RSS) that a server no EC2 client calls never needs; the first /ec2 request
imports them (once, on the event loop, before it is answered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from starlette.types import ASGIApp, Receive, Scope, Send

from hearth.service import Service

if TYPE_CHECKING:
    from .frontend import Ec2Frontend

PREFIX: Final = "/ec2"
PATHS: Final = frozenset({PREFIX, PREFIX + "/"})  # boto3 posts to the endpoint URL's path plus "/"


class Ec2Entry:
    """ASGI middleware that hands requests for ``/ec2`` to the frontend before anything of /v1's
    (its auth gate, Idempotency-Key handling, JSON errors, router) sees them: none applies."""

    def __init__(self, app: ASGIApp, service: Service, body_limit: int) -> None:
        self.app = app
        self.service = service
        self.body_limit = body_limit
        self._frontend: Ec2Frontend | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in PATHS:
            await self.frontend()(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def frontend(self) -> Ec2Frontend:
        """The frontend, built on first use (no await in between: two first requests share it)."""
        if self._frontend is None:
            from .frontend import Ec2Frontend

            self._frontend = Ec2Frontend(self.service, self.body_limit)
        return self._frontend
