"""Who sent an EC2 request: AWS Signature Version 4 under the user's access keys, verified.

The one place the frontend authenticates. ``sigv4.verify`` checks the signature (header or
presigned query) against the secret of the access key it names; the key's owner is the caller.
A key read before is checked on the event loop while the store's auth epoch says no credential
changed (a key deleted a moment ago is refused); reading the store runs on the store's threads.
"""

from __future__ import annotations

from hearth.drivers import Caller
from hearth.errors import AuthFailure
from hearth.service import Service
from hearth.service.access_keys import AccessKeys, Credential

from ..deps import call_store
from .sigv4 import SignedRequest, verify


def _caller(service: Service, request: SignedRequest) -> Caller:
    keys = service.access_keys
    if keys is None:
        raise AuthFailure("this server has no access keys configured; EC2 requests cannot be verified")
    found: list[Credential] = []  # the key's secret and owner come from one read of the store

    def secret_for(key_id: str) -> str | None:
        credential = keys.credential(key_id)
        if credential is None:
            return None
        found.append(credential)
        return credential.secret

    verify(request, secret_for)
    return found[0].caller


class _Unknown(Exception):
    """The key's credential is not in memory (or no longer current): read the store."""


def _known_caller(keys: AccessKeys, request: SignedRequest) -> Caller:
    found: list[Credential] = []

    def secret_for(key_id: str) -> str | None:
        credential = keys.known(key_id)
        if credential is None:
            raise _Unknown
        found.append(credential)
        return credential.secret

    verify(request, secret_for)
    return found[0].caller


async def authenticate(service: Service, request: SignedRequest) -> Caller:
    """The caller who signed ``request``; SignatureRefused (with EC2's code) otherwise. A key
    whose credential is current in memory is checked here, on the event loop (HMACs only);
    any other is read from the store on the store's threads."""
    keys = service.access_keys
    if keys is not None:
        try:
            return _known_caller(keys, request)
        except _Unknown:
            pass
    return await call_store(_caller, service, request)
