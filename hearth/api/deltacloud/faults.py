"""Deltacloud's error documents and the map from Hearth's errors to its statuses.

Deltacloud answers an unknown instance in an action with 403 (its ``find`` fails before the action
is authorised), an action a state does not allow with 405 and an operation the backend lacks with
412 (``missing_capability``); other statuses follow Hearth's.
"""

from __future__ import annotations

from http import HTTPStatus

from hearth.errors import HearthError

from .document import Document, Node

# Hearth's error class names → the status Deltacloud answers with.
_STATUS = {
    "ValidationError": 400,
    "AuthFailure": 401,
    "Forbidden": 403,
    "NotFound": 404,
    "InvalidState": 405,
    "Conflict": 409,
    "LimitExceeded": 429,
    "NotSupported": 501,
    "BackendError": 502,
    "BackendTimeout": 504,
}
# Deltacloud's exception class for each status, named in the JSON error's "error".
_NAMES = {
    400: "Deltacloud::Exceptions::ValidationFailure",
    401: "Deltacloud::Exceptions::AuthenticationFailure",
    403: "Deltacloud::Exceptions::AuthenticationFailure",
    404: "Deltacloud::Exceptions::ObjectNotFound",
    405: "Deltacloud::Exceptions::UnknownMethod",
    406: "Deltacloud::Exceptions::NotAcceptable",
    409: "Deltacloud::Exceptions::ProviderError",
    412: "Deltacloud::Exceptions::NotSupported",
    500: "Deltacloud::Exceptions::BackendError",
    501: "Deltacloud::Exceptions::NotSupported",
    502: "Deltacloud::Exceptions::ProviderError",
    504: "Deltacloud::Exceptions::ProviderTimeout",
}


class DeltacloudError(Exception):
    """An answer that is an error document: status, message and any headers it carries."""

    def __init__(
        self, status: int, message: str | None = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message or HTTPStatus(status).phrase)
        self.status = status
        self.message = message or HTTPStatus(status).phrase
        self.headers = headers or []


def missing_capability(capability: str) -> DeltacloudError:
    """Deltacloud's answer to an operation the backend cannot do: 412, naming the capability
    the request expected in ``Expect`` (its driver method, e.g. ``create_image``), so a client
    knows what is missing rather than that something failed."""
    message = "The required capability to execute this operation is missing"
    return DeltacloudError(412, message, [("expect", capability)])


def status_of(exc: HearthError) -> int:
    return _STATUS.get(exc.code_name, 500)


def status_named(name: str, fallback: int = 500) -> int:
    """The status for an error known by its class name only (a failed task's error)."""
    return _STATUS.get(name, fallback)


def error_document(status: int, message: str, url: str, driver: str, provider: str) -> Document:
    node = Node("error", {"status": str(status), "url": url})
    node.add("backend", driver=driver, provider=provider)
    node.add("code", status)
    node.add("message", message)
    name = _NAMES.get(status, "Deltacloud::Exceptions::BackendError")
    return Document(node, {"code": status, "message": message, "error": name}, f"{status} - {message}")
