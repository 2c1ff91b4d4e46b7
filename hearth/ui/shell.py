"""``/``: the UI for a browser, today's answer for everyone else.

A browser asks for ``text/html`` first; API clients (curl's ``*/*``, JSON clients) keep getting
what ``/`` answered before the UI existed, the API's 404, so nothing that probed ``/`` changes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from hearth.api.credentials import session_id
from hearth.service import Service

from .pages import login_page, shell_page

router = APIRouter(include_in_schema=False)


def wants_html(request: Request) -> bool:
    """Whether the client names HTML in its Accept header (browsers do, API clients do not)."""
    return "text/html" in request.headers.get("accept", "")


@router.get("/")
async def root(request: Request) -> HTMLResponse:
    if not wants_html(request):
        raise HTTPException(404, "no such resource: /")
    svc: Service = request.app.state.service
    session = svc.sessions.get(session_id(request.headers.get("cookie")))
    return login_page() if session is None else shell_page(session)
