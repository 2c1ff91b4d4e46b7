"""The two HTML documents the server renders: the login form and the shell the UI's scripts fill.

Everything else on screen is built in the browser from /v1's JSON. The shell carries the
session's CSRF token in a ``<meta>`` (read by ``api.js``), so no inline script is needed and the
Content-Security-Policy below can forbid them.
"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from hearth.service.sessions import Session

# Scripts and styles only from this server; the consoles' WebSockets back to it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/ui/static/style.css">
{extra}</head>"""


def login_page(message: str | None = None, name: str = "", status: int = 200) -> HTMLResponse:
    """The login form; ``message`` is why the last attempt failed (the API's own words)."""
    error = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    body = f"""{_HEAD.format(title="Hearth — log in", extra="")}
<body class="login"><main>
<h1>Hearth</h1>
<form method="post" action="/ui/login" class="login-form">
{error}
<label>User <input name="name" autocomplete="username" required value="{escape(name)}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form></main></body></html>"""
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def shell_page(session: Session) -> HTMLResponse:
    """The UI's page for a logged-in session; ``app.js`` renders the views into ``<main>``."""
    extra = f"""<meta name="csrf-token" content="{escape(session.csrf)}">
<meta name="hearth-user" content="{escape(session.name)}">
<meta name="hearth-admin" content="{"true" if session.caller.is_admin else "false"}">
<link rel="stylesheet" href="/ui/static/vendor/xterm/xterm.css">
<script src="/ui/static/vendor/xterm/xterm.js"></script>
<script type="module" src="/ui/static/app.js"></script>
"""
    body = f"""{_HEAD.format(title="Hearth", extra=extra)}
<body>
<header class="top">
<a class="brand" href="#/instances">Hearth</a>
<nav id="nav"></nav>
<form method="post" action="/ui/logout" class="logout">
<span class="who">{escape(session.name)}</span>
<input type="hidden" name="csrf" value="{escape(session.csrf)}">
<button type="submit">Log out</button>
</form>
</header>
<div id="flash" role="alert" hidden></div>
<main id="main"><p>Loading…</p></main>
</body></html>"""
    return HTMLResponse(body, headers=HEADERS)
