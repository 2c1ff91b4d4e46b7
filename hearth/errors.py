"""The typed errors every layer raises and every frontend maps to a status.

They live at the package root (not in ``drivers``) so that the bottom layers can raise
the same ``ValidationError`` a frontend turns into a 400, without importing upwards.
"""

from __future__ import annotations

from typing import Any, ClassVar

from hearth.redact import redact


class HearthError(Exception):
    """Base of all errors meant for a user: ``str(e)`` is one clear sentence.

    The message never carries a URI's password: it is masked here, whoever raised it.
    ``details["retry_after"]`` (seconds), when given, becomes the HTTP ``Retry-After`` header.
    """

    status: ClassVar[int] = 500
    code_name: ClassVar[str] = "HearthError"

    def __init__(self, message: str, **details: Any) -> None:
        message = redact(message)
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details


class ValidationError(HearthError):
    status = 400
    code_name = "ValidationError"


class AuthFailure(HearthError):
    status = 401
    code_name = "AuthFailure"


class Forbidden(HearthError):
    status = 403
    code_name = "Forbidden"


class NotFound(HearthError):
    status = 404
    code_name = "NotFound"


class PayloadTooLarge(HearthError):
    status = 413
    code_name = "PayloadTooLarge"


class IdempotencyMismatch(HearthError):
    """An idempotency key (or EC2 ClientToken) reused for a different request."""

    status = 422
    code_name = "ValidationError"


class InvalidState(HearthError):
    status = 409
    code_name = "InvalidState"


class Conflict(HearthError):
    status = 409
    code_name = "Conflict"


class LimitExceeded(HearthError):
    """A bound on queued work was reached; the same request can succeed later."""

    status = 429
    code_name = "LimitExceeded"


class NotSupported(HearthError):
    status = 501
    code_name = "NotSupported"


class BackendError(HearthError):
    status = 502
    code_name = "BackendError"


class Unavailable(HearthError):
    """The backend is busy (throttling, capacity) right now; the same request can succeed later.

    ``retry_after`` (seconds, also in ``details``) is how long the caller should wait first.
    """

    status = 503
    code_name = "Unavailable"

    def __init__(self, message: str, *, retry_after: float = 1.0, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class BackendTimeout(HearthError):
    status = 504
    code_name = "BackendTimeout"
