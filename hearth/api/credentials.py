"""Who a request is: HTTP Basic credentials out of an Authorization header (every malformed shape
the same 401), or the web UI's session cookie with its CSRF token."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie

from starlette.concurrency import run_in_threadpool

from hearth.drivers import Caller
from hearth.errors import AuthFailure
from hearth.service import Service

CALLER = "caller"  # the request-state key of the Caller the Gate authenticated
SESSION_COOKIE = "hearth_session"  # the web UI's session id (hearth.service.sessions)
CSRF_HEADER = "x-csrf-token"  # the session's CSRF token, on every state-changing cookie request


def basic_credentials(header: str | None) -> tuple[str, str]:
    if not header:
        raise AuthFailure("authentication required: use HTTP Basic with a Hearth user name and password")
    scheme, _, param = header.partition(" ")
    if scheme.lower() != "basic" or not param:
        raise AuthFailure("only HTTP Basic authentication is accepted")
    try:
        decoded = base64.b64decode(param.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthFailure("the Basic credentials are not valid base64 of 'name:password'") from None
    name, sep, password = decoded.partition(":")
    if not sep or not name:
        raise AuthFailure("the Basic credentials must be 'name:password'")
    return name, password


async def authenticate(svc: Service, header: str | None, address: str | None) -> Caller:
    """The caller an Authorization header names: a cached verdict at once, else a real check
    (scrypt, on a worker thread; capped per user and address). AuthFailure or LimitExceeded."""
    if header:
        hit = svc.auth.cached_header(header)
        if hit is not None:
            return hit
    name, password = basic_credentials(header)
    who = svc.auth.cached(name, password)
    if who is None:
        who = await run_in_threadpool(svc.authenticate, name, password, address)
    assert header is not None  # basic_credentials accepted it
    svc.auth.remember_header(header, name, password)
    return who


def session_id(cookie_header: str | None) -> str | None:
    """The session id in a Cookie header, if it carries one."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


async def request_caller(
    svc: Service, headers: Mapping[str, str], method: str, address: str | None
) -> Caller:
    """The caller of a request: its Authorization header when it has one (Basic, unchanged), else
    its session cookie, which needs the session's CSRF token on anything but GET/HEAD/OPTIONS."""
    header = headers.get("authorization")
    sid = None if header else session_id(headers.get("cookie"))
    if sid is not None:
        return svc.sessions.checked(sid, method, headers.get(CSRF_HEADER)).caller
    return await authenticate(svc, header, address)
