"""Turn a cdrom location (local path or http/https/ftp/ftps URL) into a disk source description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from hearth.errors import ValidationError

URL_SCHEMES = ("http", "https", "ftp", "ftps")
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ftps": 990}


@dataclass(frozen=True, slots=True)
class NetworkSource:
    """A remote image QEMU reads itself (its curl block driver)."""

    protocol: str
    host: str
    port: int
    name: str  # URL path, still percent-encoded as QEMU sends it
    query: str | None


def is_url(location: str) -> bool:
    return "://" in location


def redact(url: str) -> str:
    """The URL with any user:password part masked, for messages and logs."""
    return re.sub(r"//[^/@]*@", "//***@", url)


def parse_url(url: str) -> NetworkSource:
    """Split a URL into libvirt's network disk parts, keeping the query string verbatim.

    Credentials in a URL are refused: they would end up in the domain XML and in process
    listings; remote media that needs them must come through a secret or the media cache.
    """
    if any(c in url for c in "\r\n\t\x00 "):
        raise ValidationError(f"URL {redact(url)!r} contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in URL_SCHEMES:
        raise ValidationError(
            f"URL scheme {parts.scheme!r} is not supported for media; use one of {', '.join(URL_SCHEMES)}",
            allowed=list(URL_SCHEMES),
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "credentials in media URLs are not accepted (they would be stored in the VM config)"
        )
    if not parts.hostname:
        raise ValidationError(f"URL {redact(url)!r} has no host")
    if not parts.path or parts.path == "/" or unquote(parts.path).endswith("/"):
        raise ValidationError(f"URL {redact(url)!r} names no file")
    return NetworkSource(
        protocol=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        name=parts.path,
        query=parts.query or None,
    )
