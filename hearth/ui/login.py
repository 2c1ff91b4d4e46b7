"""Logging in and out of the UI: ``POST /ui/login`` (a form), ``POST /ui/logout``, ``GET /ui/session``.

A login checks the password exactly as HTTP Basic does (the same scrypt check, failure caps and
messages) and opens a session (``hearth.service.sessions``); the cookie carries only its opaque
id, ``HttpOnly`` (no script reads it) and ``SameSite=Strict`` (no other site's request sends it),
``Secure`` when the request came over HTTPS. Logout needs the session's CSRF token, like every
other state-changing request made with the cookie, so another site cannot log a person out.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from hearth.api.credentials import CSRF_HEADER, SESSION_COOKIE, session_id
from hearth.api.errors import response_for, visible
from hearth.errors import HearthError
from hearth.service import Service

from .pages import login_page

router = APIRouter(prefix="/ui", include_in_schema=False)

FORM = "application/x-www-form-urlencoded"


def _service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


async def _form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form body (the first value of each); others are refused."""
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM:
        return {}
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _home() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    name, password = form.get("name", ""), form.get("password", "")
    if not name or not password:
        return login_page("give a user name and a password", name, status=400)
    svc = _service(request)
    client = request.client
    try:
        caller = await run_in_threadpool(svc.authenticate, name, password, client.host if client else None)
    except HearthError as exc:
        return login_page(visible(exc, None)[0], name, status=exc.status)
    sid, _ = svc.sessions.open(caller, name)
    answer = _home()
    answer.set_cookie(
        SESSION_COOKIE,
        sid,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    svc = _service(request)
    sid = session_id(request.headers.get("cookie"))
    if svc.sessions.get(sid) is not None:  # a live session ends only with its own token
        csrf = request.headers.get(CSRF_HEADER) or (await _form(request)).get("csrf")
        try:
            svc.sessions.checked(sid, "POST", csrf)
        except HearthError as exc:
            return response_for(exc)
        svc.sessions.close(sid)
    answer = _home()
    answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return answer


@router.get("/session")
async def session(request: Request) -> JSONResponse:
    """Who this session is and its CSRF token, for a page that lost it (the shell has both)."""
    svc = _service(request)
    try:
        found = svc.sessions.checked(session_id(request.headers.get("cookie")), "GET", None)
    except HearthError as exc:
        return response_for(exc)
    return JSONResponse(
        {"user": found.name, "admin": found.caller.is_admin, "csrf_token": found.csrf},
        headers={"Cache-Control": "no-store"},
    )
