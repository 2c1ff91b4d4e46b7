"""Keep secrets and host internals out of what users and logs see.

``redact`` masks the password of every URI in a text (``qemu+tcp://alice:***@host/system``) and
the value of ``password=``-like query parameters (a console's ``ticket=`` too); every
``HearthError`` message passes through it, and ``RedactingFilter`` applies it to log records.
Drivers call ``redact`` on any backend text they quote (libvirt and QEMU messages often carry
the connection URI). ``for_tenant`` goes
further for users who are not admins: host paths, socket paths and backend URIs become
placeholders. It imports nothing from Hearth, so every layer can use it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"

_URI_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:'\"]*):[^\s@/'\"]*@")
_SECRET_PARAM = re.compile(
    r"(?P<head>[?&;\s](?:password|passwd|pwd|secret|token|ticket)=)[^&;\s'\"]+", re.IGNORECASE
)
_URI = re.compile(r"\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>,;)]+")
_PATH = re.compile(r"(?<![\w.:/~\-@])/(?!v1(?:/|\b))[\w.\-+@]+(?:/[^\s'\"<>,;()]*)*")


def redact(text: str) -> str:
    """``text`` with URI passwords and secret query parameters masked."""
    if "://" not in text and "=" not in text:
        return text
    text = _URI_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _SECRET_PARAM.sub(lambda m: f"{m['head']}{MASK}", text)


def redact_data(value: Any) -> Any:
    """``redact`` applied to every string inside nested dicts, lists and tuples."""
    return _walk(value, redact)


def for_tenant(text: str) -> str:
    """``text`` as a user who is not an admin may read it: no host paths, sockets or backend URIs.

    API paths (``/v1/...``) and numbers after a slash (``/24``) are left alone.
    """
    text = _URI.sub("<backend URI>", redact(text))
    return _PATH.sub(lambda m: m[0] if m[0][1:].isdigit() else "<host path>", text)


def for_tenant_data(value: Any) -> Any:
    return _walk(value, for_tenant)


def _walk(value: Any, fix: Any) -> Any:
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, dict):
        return {k: _walk(v, fix) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, fix) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """A handler or logger filter that redacts each record's message and traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
