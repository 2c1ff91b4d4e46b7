"""AWS Signature Version 4, verified: how the ``/ec2`` frontend knows who sent a request.

The frontend hands over the request as it came off the wire (the method, the still-encoded path
and query, the headers, the body) and a lookup from access key id to secret; ``verify`` rebuilds
the canonical request the client signed, signs it again and compares in constant time. Both ways
clients sign are understood: the ``Authorization: AWS4-HMAC-SHA256 …`` header, and a presigned
query string (``X-Amz-Algorithm`` … ``X-Amz-Signature``). A refusal carries one of EC2's error
codes, so boto3 and the AWS CLI report it as they would against AWS. Nothing here logs, and no
message quotes a secret or a signature.

Where the spec leaves room, the stricter reading is taken, because an EC2 request's meaning is in
its query or body: the payload is always covered (``UNSIGNED-PAYLOAD`` only for an empty body),
a declared ``x-amz-content-sha256`` must be the body's, ``host`` must be signed, and the query is
canonicalised from its decoded bytes with ``+`` read as a space, as a form parser reads it, so two
queries that mean different things never share a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import quote, unquote_to_bytes

from hearth.errors import AuthFailure

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
DEFAULT_MAX_SKEW = timedelta(minutes=5)  # EC2's window
MAX_PRESIGNED_EXPIRES = 7 * 24 * 3600

_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AMZ_DATE_SHAPE = re.compile(r"\d{8}T\d{6}Z")
_SCOPE_DATE = re.compile(r"\d{8}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_UNRESERVED = "-_.~"
_QUERY_PREFIX = "X-Amz-"
_PRESIGN_PARAMS = ("Algorithm", "Credential", "Date", "Expires", "SignedHeaders", "Signature")
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method."
)

SecretLookup = Callable[[str], str | None]


class AuthCode(StrEnum):
    """EC2's codes for a request whose signature is refused."""

    auth_failure = "AuthFailure"  # no such access key
    signature_does_not_match = "SignatureDoesNotMatch"  # signed with another secret, or altered
    request_expired = "RequestExpired"  # outside the clock-skew window, or a presigned URL expired
    incomplete_signature = "IncompleteSignature"  # a signature is there, but not well formed
    missing_authentication_token = "MissingAuthenticationToken"  # no signature at all


class SignatureRefused(AuthFailure):
    """A request whose signature does not prove its sender; ``code`` says which way, as EC2 does."""

    def __init__(self, code: AuthCode, message: str) -> None:
        super().__init__(message, ec2_code=code.value)
        self.code = code


@dataclass(frozen=True)
class SignedRequest:
    """A request as it came off the wire.

    ``path`` and ``query`` are as sent, still percent-encoded (ASGI's ``raw_path`` and
    ``query_string``); ``headers`` are name/value pairs, repeated names kept, or a mapping.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str] | Iterable[tuple[str, str]]
    body: bytes = b""


@dataclass(frozen=True)
class Signer:
    """Who signed a verified request, and for what scope."""

    access_key_id: str
    region: str
    service: str
    signed_at: datetime
    presigned: bool


@dataclass(frozen=True)
class _Claim:
    """What the request says about its own signature, parsed but not yet believed."""

    key_id: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    signed_at: datetime
    presigned: bool
    expires: int | None


def verify(
    request: SignedRequest,
    secret_for: SecretLookup,
    *,
    now: datetime | None = None,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    service: str = "ec2",
    regions: Collection[str] | None = None,
) -> Signer:
    """The request's signer, or SignatureRefused saying why not.

    ``secret_for`` returns the secret of an access key id, None for no such key. ``regions``,
    when given, are the regions a credential may be scoped to (any region otherwise: a private
    endpoint answers to whatever region its clients were configured with).
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    headers = _header_map(request.headers)
    query = _query_pairs(request.query)
    claim = _claim(headers, query)
    _check_scope(claim, service, regions)
    _check_time(claim, now, max_skew)
    secret = secret_for(claim.key_id)
    if secret is None:
        raise SignatureRefused(
            AuthCode.auth_failure, "AWS was not able to validate the provided access credentials"
        )
    payload = _payload_hash(headers, request.body)
    signed_query = [(n, v) for n, v in query if not (claim.presigned and n == b"X-Amz-Signature")]
    canonical = "\n".join(
        (
            request.method.upper(),
            _canonical_path(request.path),
            _canonical_query(signed_query),
            _canonical_headers(headers, claim.signed_headers),
            ";".join(claim.signed_headers),
            payload,
        )
    )
    expected = _signature(secret, claim, canonical)
    if not hmac.compare_digest(expected, claim.signature):
        raise SignatureRefused(AuthCode.signature_does_not_match, _MISMATCH)
    return Signer(claim.key_id, claim.region, claim.service, claim.signed_at, claim.presigned)


# --- reading the claim ---------------------------------------------------------------------------


def _claim(headers: dict[str, list[str]], query: list[tuple[bytes, bytes]]) -> _Claim:
    authorization = headers.get("authorization")
    presigned = any(name == b"X-Amz-Algorithm" for name, _ in query)
    if authorization and presigned:
        raise _incomplete("sign either with the Authorization header or in the query string, not both")
    if authorization:
        return _header_claim(_single(headers, "authorization"), headers)
    if presigned:
        return _query_claim(query)
    raise SignatureRefused(
        AuthCode.missing_authentication_token,
        "the request must be signed with AWS Signature Version 4 "
        "(an Authorization header or a presigned query string) by a valid access key",
    )


def _header_claim(value: str, headers: dict[str, list[str]]) -> _Claim:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"unsupported authorization scheme; sign with {ALGORITHM}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, field_value = part.strip().partition("=")
        if not eq or name in fields:
            raise _incomplete(
                f"the Authorization header must be '{ALGORITHM} Credential=…, SignedHeaders=…, Signature=…'"
            )
        fields[name] = field_value
    missing = [f for f in ("Credential", "SignedHeaders", "Signature") if f not in fields]
    if missing:
        raise _incomplete(f"the Authorization header lacks {', '.join(missing)}")
    if "x-amz-date" in headers:
        signed_at = _amz_date(_single(headers, "x-amz-date"), "the x-amz-date header")
    elif "date" in headers:
        signed_at = _http_date(_single(headers, "date"))
    else:
        raise _incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header"
        )
    return _parsed(fields["Credential"], fields["SignedHeaders"], fields["Signature"], signed_at, None)


def _query_claim(query: list[tuple[bytes, bytes]]) -> _Claim:
    found: dict[str, str] = {}
    for name, raw in query:
        key = name.decode("latin-1")
        if key.startswith(_QUERY_PREFIX) and key[len(_QUERY_PREFIX) :] in _PRESIGN_PARAMS:
            if key in found:
                raise _incomplete(f"the query string has {key} more than once")
            found[key] = _text(raw, key)
    missing = [_QUERY_PREFIX + p for p in _PRESIGN_PARAMS if _QUERY_PREFIX + p not in found]
    if missing:
        raise _incomplete(f"the presigned query string lacks {', '.join(missing)}")
    if found["X-Amz-Algorithm"] != ALGORITHM:
        raise _incomplete(f"X-Amz-Algorithm must be {ALGORITHM}")
    expires = found["X-Amz-Expires"]
    if not expires.isascii() or not expires.isdigit() or not 1 <= int(expires) <= MAX_PRESIGNED_EXPIRES:
        raise _incomplete(f"X-Amz-Expires must be a number of seconds from 1 to {MAX_PRESIGNED_EXPIRES}")
    signed_at = _amz_date(found["X-Amz-Date"], "X-Amz-Date")
    return _parsed(
        found["X-Amz-Credential"],
        found["X-Amz-SignedHeaders"],
        found["X-Amz-Signature"],
        signed_at,
        int(expires),
    )


def _parsed(
    credential: str, signed_headers: str, signature: str, signed_at: datetime, expires: int | None
) -> _Claim:
    parts = credential.split("/")
    if len(parts) != 5 or not parts[0]:
        raise _incomplete(
            "the Credential must have 5 slash-separated parts: key id/date/region/service/aws4_request"
        )
    key_id, scope_date, region, service, terminator = parts
    if not _SCOPE_DATE.fullmatch(scope_date):
        raise _incomplete(f"the date in the Credential scope must be YYYYMMDD, not {scope_date!r}")
    names = tuple(signed_headers.split(";"))
    if any(not n or n != n.lower() or n != n.strip() for n in names) or list(names) != sorted(set(names)):
        raise _incomplete(
            "SignedHeaders must be the signed header names in lower case, sorted, separated by ';'"
        )
    if "host" not in names:
        raise _incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization")
    if not _SIGNATURE.fullmatch(signature):
        raise _incomplete("the Signature must be 64 lower-case hexadecimal digits")
    return _Claim(
        key_id,
        scope_date,
        region,
        service,
        terminator,
        names,
        signature,
        signed_at,
        expires is not None,
        expires,
    )


def _amz_date(value: str, where: str) -> datetime:
    if _AMZ_DATE_SHAPE.fullmatch(value):
        try:
            # The shape is checked, so the fields are digits; strptime cost more than the HMACs.
            return datetime(
                int(value[0:4]),
                int(value[4:6]),
                int(value[6:8]),
                int(value[9:11]),
                int(value[11:13]),
                int(value[13:15]),
                tzinfo=UTC,
            )
        except ValueError:
            pass
    raise _incomplete(f"{where} must be an ISO 8601 basic UTC time such as 20261202T093000Z")


def _http_date(value: str) -> datetime:
    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None:
        raise _incomplete("the Date header must be an HTTP date such as 'Wed, 02 Dec 2026 09:30:00 GMT'")
    # RFC 5322's "-0000" (what Python's formatdate writes) is UTC without a zone: naive here.
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


# --- believing it --------------------------------------------------------------------------------


def _check_scope(claim: _Claim, service: str, regions: Collection[str] | None) -> None:
    mismatch: str | None = None
    if claim.terminator != TERMINATOR:
        mismatch = (
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{claim.terminator}'"
        )
    elif claim.service != service:
        mismatch = f"Credential should be scoped to correct service: '{service}'"
    elif not claim.region or (regions is not None and claim.region not in regions):
        mismatch = f"Credential should be scoped to a valid region, not '{claim.region}'"
    elif claim.scope_date != claim.signed_at.strftime("%Y%m%d"):
        mismatch = (
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{claim.scope_date}' != '{claim.signed_at.strftime('%Y%m%d')}'"
        )
    if mismatch is not None:
        raise SignatureRefused(AuthCode.signature_does_not_match, mismatch)


def _check_time(claim: _Claim, now: datetime, max_skew: timedelta) -> None:
    stamp = claim.signed_at.strftime(_AMZ_DATE)
    if claim.signed_at > now + max_skew:
        raise SignatureRefused(
            AuthCode.request_expired,
            f"Request is not yet valid: signed at {stamp}, more than {_minutes(max_skew)} ahead of the "
            f"server's clock ({now.strftime(_AMZ_DATE)})",
        )
    if claim.expires is not None:
        if now > claim.signed_at + timedelta(seconds=claim.expires):
            raise SignatureRefused(
                AuthCode.request_expired,
                f"Request has expired: the presigned request of {stamp} was valid for {claim.expires} s",
            )
    elif claim.signed_at < now - max_skew:
        raise SignatureRefused(
            AuthCode.request_expired,
            f"Request has expired: signed at {stamp}, more than {_minutes(max_skew)} before the "
            f"server's clock ({now.strftime(_AMZ_DATE)})",
        )


def _payload_hash(headers: dict[str, list[str]], body: bytes) -> str:
    actual = hashlib.sha256(body).hexdigest()
    if "x-amz-content-sha256" not in headers:
        return actual
    declared = _single(headers, "x-amz-content-sha256").strip()
    if declared == UNSIGNED_PAYLOAD:
        if body:
            raise _incomplete("an unsigned payload is accepted only for an empty body: sign the body")
        return declared
    if not _HEX_SHA256.fullmatch(declared):
        raise _incomplete("x-amz-content-sha256 must be the hexadecimal SHA-256 of the body")
    if not hmac.compare_digest(declared.lower(), actual):
        raise SignatureRefused(
            AuthCode.signature_does_not_match,
            "The provided 'x-amz-content-sha256' header does not match what was computed",
        )
    return declared


def _signature(secret: str, claim: _Claim, canonical_request: str) -> str:
    to_sign = "\n".join(
        (
            ALGORITHM,
            claim.signed_at.strftime(_AMZ_DATE),
            f"{claim.scope_date}/{claim.region}/{claim.service}/{claim.terminator}",
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        )
    )
    key = ("AWS4" + secret).encode("utf-8")
    for part in (claim.scope_date, claim.region, claim.service, claim.terminator):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# --- the canonical request -----------------------------------------------------------------------


def _canonical_path(path: str) -> str:
    """Dot segments resolved and empty ones dropped, then every segment encoded once more.

    The path arrives encoded, and SigV4 (for every service but S3) encodes it again.
    """
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    normal = "/" + "/".join(kept) + ("/" if kept and path.endswith("/") else "")
    return quote(normal, safe="/~")


def _canonical_query(pairs: list[tuple[bytes, bytes]]) -> str:
    encoded = sorted((quote(n, safe=_UNRESERVED), quote(v, safe=_UNRESERVED)) for n, v in pairs)
    return "&".join(f"{n}={v}" for n, v in encoded)


def _canonical_headers(headers: dict[str, list[str]], names: tuple[str, ...]) -> str:
    lines = []
    for name in names:
        values = headers.get(name)
        if values is None:
            raise SignatureRefused(
                AuthCode.signature_does_not_match, f"the signed header '{name}' is not in the request"
            )
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")
    return "".join(lines)


def _query_pairs(query: str) -> list[tuple[bytes, bytes]]:
    """Name/value pairs, decoded to bytes (``+`` is a space); repeated names kept, in order."""
    pairs = []
    for item in query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(part: str) -> bytes:
    return unquote_to_bytes(part.replace("+", " "))


def _header_map(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers.items() if isinstance(headers, Mapping) else headers:
        found.setdefault(name.strip().lower(), []).append(value)
    return found


def _single(headers: dict[str, list[str]], name: str) -> str:
    values = headers[name]
    if len(values) != 1:
        raise _incomplete(f"the request has the {name} header more than once")
    return values[0]


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _incomplete(f"{name} is not UTF-8") from None


def _incomplete(message: str) -> SignatureRefused:
    return SignatureRefused(AuthCode.incomplete_signature, message)


def _minutes(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
