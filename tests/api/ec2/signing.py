"""Requests signed by botocore itself (``SigV4Auth``, ``SigV4QueryAuth``), as the server receives them.

botocore signs an ``AWSRequest``; what an HTTP client would then put on the wire is its prepared
form plus the ``Host`` header urllib3 adds (botocore signs the host it derives from the URL). The
result is the ``SignedRequest`` the verifier sees: raw path, raw query, header pairs, body bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from hearth.api.ec2.sigv4 import SignedRequest

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
URL = "http://127.0.0.1:8773/ec2/"


def sign(
    method: str = "POST",
    url: str = URL,
    *,
    data: Mapping[str, str] | bytes | None = None,
    params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    headers: Sequence[tuple[str, str]] = (),
    presign: bool = False,
    expires: int = 300,
    region: str = "us-east-1",
    service: str = "ec2",
    key_id: str = KEY_ID,
    secret: str = SECRET,
    context: Mapping[str, Any] | None = None,
) -> SignedRequest:
    request = AWSRequest(method=method, url=url, data=data, params=params)
    for name, value in headers:
        request.headers[name] = value  # email.message semantics: a repeated name adds a value
    request.context.update(context or {})
    if data is not None and not isinstance(data, bytes):
        request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    credentials = Credentials(key_id, secret)
    auth = (
        SigV4QueryAuth(credentials, service, region, expires=expires)
        if presign
        else SigV4Auth(credentials, service, region)
    )
    auth.add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    # The signed message's own headers, repeated names kept (the prepared form folds them).
    pairs = [("Host", parts.netloc), *((str(n), str(v)) for n, v in request.headers.items())]
    body = prepared.body or b""
    return SignedRequest(
        method=prepared.method,
        path=parts.path,
        query=parts.query,
        headers=pairs,
        body=body.encode() if isinstance(body, str) else body,
    )


def signed_at(request: SignedRequest) -> datetime:
    """When botocore signed it (by its own clock), from the date the request carries."""
    found = signed_at_or_none(request)
    assert found is not None, request
    return found


def signed_at_or_none(request: SignedRequest) -> datetime | None:
    headers = {n.lower(): v for n, v in pairs(request)}
    stamp = headers.get("x-amz-date") or dict(parse_qsl(request.query)).get("X-Amz-Date")
    try:
        if stamp is not None:
            return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if "date" in headers:
            return parsedate_to_datetime(headers["date"]).replace(tzinfo=UTC)
    except ValueError:
        pass
    return None


def with_header(request: SignedRequest, name: str, value: str | None) -> SignedRequest:
    """The request with every ``name`` header replaced by ``value`` (dropped for None)."""
    kept = [(n, v) for n, v in pairs(request) if n.lower() != name.lower()]
    return replace(request, headers=kept + ([(name, value)] if value is not None else []))


def header(request: SignedRequest, name: str) -> str:
    values = [v for n, v in pairs(request) if n.lower() == name.lower()]
    assert len(values) == 1, (name, values)
    return values[0]


def pairs(request: SignedRequest) -> list[tuple[str, str]]:
    given = request.headers
    return list(given.items()) if isinstance(given, Mapping) else list(given)


def lookup(*known: tuple[str, str]) -> dict[str, str]:
    return dict(known or ((KEY_ID, SECRET),))
