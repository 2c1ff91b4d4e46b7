"""EC2's failures turned into Hearth's typed errors: a botocore exception never escapes.

EC2 names its errors with stable codes (``InvalidInstanceID.NotFound``, ``IncorrectInstanceState``,
``RequestLimitExceeded`` …); the families below follow those names. The message keeps EC2's own
words behind a short statement of what Hearth was doing, with any credential scrubbed out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.parsers import ResponseParserError

from hearth.errors import (
    AuthFailure,
    BackendError,
    BackendTimeout,
    Conflict,
    Forbidden,
    HearthError,
    InvalidState,
    NotFound,
    NotSupported,
    Unavailable,
    ValidationError,
)

# Busy, not broken: the same call succeeds later (botocore has already retried these).
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "ServiceUnavailable",
        "Unavailable",
        "InsufficientInstanceCapacity",
        "InsufficientAddressCapacity",
        "InsufficientVolumeCapacity",
    }
)
# The endpoint does not accept the driver's credentials (or the request's signature or clock).
AUTH = frozenset(
    {
        "AuthFailure",
        "SignatureDoesNotMatch",
        "InvalidClientTokenId",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "ExpiredToken",
        "RequestExpired",
        "InvalidSecurity",
        "OptInRequired",
    }
)
FORBIDDEN = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "Blocked"})
STATE = frozenset({"IncorrectInstanceState", "IncorrectState", "InvalidState", "IncorrectModificationState"})
CONFLICT = frozenset({"VolumeInUse", "DependencyViolation", "Resource.AlreadyAssociated"})
UNSUPPORTED = frozenset({"Unsupported", "UnsupportedOperation", "InvalidAction", "NotImplemented"})
DEFAULT_RETRY_AFTER = 2.0


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, so EC2 echoing a key id cannot leak it."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _family(code: str) -> type[HearthError]:
    if code in THROTTLED:
        return Unavailable
    if code in AUTH:
        return AuthFailure
    if code in FORBIDDEN:
        return Forbidden
    if code in STATE:
        return InvalidState
    if code in UNSUPPORTED:
        return NotSupported
    if code.endswith(("NotFound", ".Malformed", ".Unavailable")):
        return NotFound
    if code in CONFLICT or code.endswith((".Duplicate", ".InUse", ".Conflict", "AlreadyExists")):
        return Conflict
    if code.endswith("LimitExceeded"):
        return Conflict  # a quota of the account: refused until something is released
    if code.startswith(("Invalid", "Missing")) or code in ("ValidationError", "UnknownParameter"):
        return ValidationError
    return BackendError


def translate(exc: Exception, doing: str, secrets: Iterable[str] = ()) -> HearthError:
    """The typed error for ``exc``; ``doing`` says what failed ("starting instance i-…")."""
    secrets = tuple(secrets)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        message = scrub(str(error.get("Message") or code), secrets)
        text = f"{doing} failed: EC2 said {code}: {message}"
        family = _family(code)
        if family is BackendError and status == 503:
            family = Unavailable
        if family is Unavailable:
            return Unavailable(text, retry_after=DEFAULT_RETRY_AFTER, ec2_code=code)
        if family is AuthFailure:
            text = f"{doing} failed: the EC2 endpoint refused this server's credentials ({code})"
        return family(text, ec2_code=code)
    if isinstance(exc, NoCredentialsError):
        return BackendError(f"{doing} failed: no EC2 credentials are configured ([ec2] access_key_id)")
    if isinstance(exc, ReadTimeoutError):
        return BackendTimeout(f"{doing} failed: the EC2 endpoint did not answer in time")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return BackendError(f"{doing} failed: cannot reach the EC2 endpoint ({type(exc).__name__})")
    if isinstance(exc, ResponseParserError):
        return BackendError(f"{doing} failed: the EC2 endpoint sent a response that is not EC2's XML")
    if isinstance(exc, BotoCoreError):
        return BackendError(f"{doing} failed: {scrub(str(exc), secrets)[:300]}")
    return BackendError(f"{doing} failed: {type(exc).__name__}")


@contextmanager
def ec2_errors(doing: str, secrets: Iterable[str] = ()) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        raise translate(exc, doing, secrets) from None
