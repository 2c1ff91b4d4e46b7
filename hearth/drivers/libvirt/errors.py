"""libvirt's exceptions turned into Hearth's typed errors: a ``libvirtError`` never escapes.

The message keeps libvirt's own words (they are usually precise: "Cannot access storage file
…") behind a short statement of what Hearth was doing.
"""

from __future__ import annotations

import libvirt

from hearth.errors import (
    BackendError,
    BackendTimeout,
    Conflict,
    HearthError,
    InvalidState,
    NotFound,
    NotSupported,
    ValidationError,
)

_NOT_FOUND = {
    libvirt.VIR_ERR_NO_DOMAIN,
    libvirt.VIR_ERR_NO_NETWORK,
    libvirt.VIR_ERR_NO_STORAGE_POOL,
    libvirt.VIR_ERR_NO_STORAGE_VOL,
    libvirt.VIR_ERR_NO_DOMAIN_SNAPSHOT,
    libvirt.VIR_ERR_NO_DOMAIN_METADATA,
    libvirt.VIR_ERR_NO_INTERFACE,
    libvirt.VIR_ERR_NO_SECRET,
}
_CONFLICT = {libvirt.VIR_ERR_DOM_EXIST, libvirt.VIR_ERR_STORAGE_VOL_EXIST, libvirt.VIR_ERR_NETWORK_EXIST}
_STATE = {libvirt.VIR_ERR_OPERATION_INVALID}
_UNSUPPORTED = {
    libvirt.VIR_ERR_NO_SUPPORT,
    libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
    libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
}
_INVALID = {libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_ERR_INVALID_ARG}
_TIMEOUT = {libvirt.VIR_ERR_OPERATION_TIMEOUT, libvirt.VIR_ERR_AGENT_UNRESPONSIVE}
# The connection itself is gone (daemon restarted, socket closed): worth one reconnect.
CONNECTION_LOST = {
    libvirt.VIR_ERR_SYSTEM_ERROR,
    libvirt.VIR_ERR_RPC,
    libvirt.VIR_ERR_NO_CONNECT,
    libvirt.VIR_ERR_INVALID_CONN,
    libvirt.VIR_ERR_INTERNAL_ERROR,
}


def libvirt_message(exc: libvirt.libvirtError) -> str:
    return (exc.get_error_message() or str(exc)).strip()


def translate(exc: libvirt.libvirtError, doing: str) -> HearthError:
    """The typed error for ``exc``; ``doing`` says what failed ("starting instance 1234")."""
    code = exc.get_error_code()
    text = f"{doing} failed: {libvirt_message(exc)}"
    details: dict[str, object] = {"libvirt_code": code}
    if code in _NOT_FOUND:
        return NotFound(text, **details)
    if code in _CONFLICT:
        return Conflict(text, **details)
    if code in _STATE:
        return InvalidState(text, **details)
    if code in _UNSUPPORTED:
        return NotSupported(text, **details)
    if code in _INVALID:
        return ValidationError(text, **details)
    if code in _TIMEOUT:
        return BackendTimeout(text, **details)
    return BackendError(text, **details)


def is_code(exc: libvirt.libvirtError, *codes: int) -> bool:
    return exc.get_error_code() in codes
