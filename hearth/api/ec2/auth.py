"""Who sent an EC2 request: AWS Signature Version 4 under the user's access keys, verified.

The one place the frontend authenticates. ``sigv4.verify`` checks the signature (header or
presigned query) against the secret of the access key it names; the key's owner is the caller.
The lookups read the store (a key deleted a moment ago is refused), so they run on the store's
threads, never on the event loop.
"""

from __future__ import annotations

from hearth.drivers import Caller
from hearth.errors import AuthFailure
from hearth.service import Service

from ..deps import call_store
from .sigv4 import AuthCode, SignatureRefused, SignedRequest, verify


def _caller(service: Service, request: SignedRequest) -> Caller:
    keys = service.access_keys
    if keys is None:
        raise AuthFailure("this server has no access keys configured; EC2 requests cannot be verified")
    signer = verify(request, keys.secret_for)
    caller = keys.caller_for(signer.access_key_id)
    if caller is None:  # deleted between the two reads
        raise SignatureRefused(
            AuthCode.auth_failure, "AWS was not able to validate the provided access credentials"
        )
    return caller


async def authenticate(service: Service, request: SignedRequest) -> Caller:
    """The caller who signed ``request``; SignatureRefused (with EC2's code) otherwise."""
    return await call_store(_caller, service, request)
