"""Who sent an EC2 request: the one place the frontend authenticates.

EC2 clients sign with AWS Signature Version 4 under per-user access keys. Until SigV4
verification and access keys are part of Hearth, the frontend accepts the Hearth user's HTTP
Basic credentials (checked by the Service like every /v1 request) and refuses a SigV4-signed
request with a clear AuthFailure rather than trusting a signature it cannot check.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.drivers import Caller
from hearth.errors import AuthFailure
from hearth.service import Service

from ..credentials import authenticate as basic_caller
from .faults import Ec2Error

SIGV4_SCHEME = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class WireRequest:
    """A request as it came off the wire: what a signature covers."""

    method: str
    path: str  # still percent-encoded
    query: str  # still percent-encoded
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client: str | None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k == wanted), None)


async def authenticate(service: Service, request: WireRequest) -> Caller:
    header = request.header("authorization")
    if header is None and "X-Amz-Signature=" not in request.query:
        raise Ec2Error("MissingAuthenticationToken", "The request must contain valid credentials")
    if header is None or header.startswith(SIGV4_SCHEME):
        raise AuthFailure("AWS Signature Version 4 is not verified by this server yet; use HTTP Basic")
    return await basic_caller(service, header, request.client)
