"""Remote media URLs: the schemes allowed, credentials kept out of sight, a stable key per URL.

A url-list source may hold credentials (an admin put them there to reach a private mirror),
so every URL that leaves this package for a message, a listing or a log goes through
``redact`` first; keys and ids are hashes, never the URL itself.
"""

from __future__ import annotations

import hashlib
from urllib.parse import SplitResult, unquote, urlsplit

from hearth.designer.sources import URL_SCHEMES
from hearth.errors import ValidationError

__all__ = ["URL_SCHEMES", "check_url", "has_credentials", "redact", "url_key"]

MAX_URL = 4096


def check_url(url: str, *, allow_credentials: bool = True) -> SplitResult:
    """The parsed URL when it is one remote media may come from; else one clear error."""
    if not isinstance(url, str) or not url:
        raise ValidationError("a media URL must be a non-empty string")
    if len(url) > MAX_URL:
        raise ValidationError(f"media URL is longer than {MAX_URL} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise ValidationError(f"media URL {redact(url)!r} contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a bad port
    except ValueError as exc:
        raise ValidationError(f"media URL {redact(url)!r} is malformed: {exc}") from None
    if parts.scheme.lower() not in URL_SCHEMES:
        raise ValidationError(
            f"media URL scheme {parts.scheme!r} is not allowed; use one of {', '.join(URL_SCHEMES)}",
            allowed=list(URL_SCHEMES),
        )
    if not parts.hostname:
        raise ValidationError(f"media URL {redact(url)!r} has no host")
    if not parts.path or unquote(parts.path).endswith("/"):
        raise ValidationError(f"media URL {redact(url)!r} names no file")
    if "\x00" in unquote(parts.path):
        raise ValidationError(f"media URL {redact(url)!r} contains an encoded NUL")
    if not allow_credentials and has_credentials(url):
        raise ValidationError("credentials in media URLs are not accepted here")
    return parts


def redact(url: str) -> str:
    """The URL with anything that may be user-info masked.

    Masks up to the last '@' before the query, not just urlsplit's netloc: a password holding
    '/' or '@' confuses the parser, and showing too little is the safe way to be wrong.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    if at < 0:
        return url
    return f"{scheme}://***@{rest[at + 1 :]}"


def has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


def url_key(url: str) -> str:
    """A stable hex key for a URL (cache file names, media ids) that reveals nothing of it."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def file_name(url: str) -> str:
    """The last path component, decoded, for display."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "media"
