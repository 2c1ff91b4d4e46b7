"""A logged-in web UI session over real HTTP: the cookie jar of httpx, the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ..api.conftest import Running

COOKIE = "hearth_session"


@contextmanager
def logged_in(server: Running, name: str, password: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client holding a fresh session cookie, and the CSRF token the shell page carries."""
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/ui/login", data={"name": name, "password": password})
        assert r.status_code == 303, r.text
        page = c.get("/", headers={"accept": "text/html"}).text
        found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
        assert found, page
        yield c, found.group(1)
