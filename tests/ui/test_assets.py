"""The UI's files over HTTP: our modules and xterm.js from the package, noVNC from Debian's
package, each with a type a browser runs, and nothing outside their roots."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from ..api.conftest import Running, assert_error


@pytest.fixture
def anon(server: Running) -> Iterator[httpx.Client]:
    """No credentials: the page's files are public (the login page needs them)."""
    with httpx.Client(base_url=server.url) as c:
        yield c


@pytest.mark.parametrize(
    "path",
    [
        "/ui/static/app.js",
        "/ui/static/style.css",
        "/ui/static/vendor/xterm/xterm.js",
        "/ui/vendor/novnc/core/rfb.js",
    ],
)
def test_the_pages_files_are_served_with_a_type_browsers_run(anon: httpx.Client, path: str) -> None:
    r = anon.get(path)
    assert r.status_code == 200, r.text
    expected = "text/css" if path.endswith(".css") else "text/javascript"
    assert r.headers["content-type"].startswith(expected)
    assert len(r.content) > 200


def test_every_module_the_shell_and_novnc_import_is_there(server: Running) -> None:
    """noVNC's modules import each other by relative path; all of them resolve under /ui/vendor."""
    with httpx.Client(base_url=server.url) as c:
        todo, seen = ["/ui/vendor/novnc/core/rfb.js"], set()
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            r = c.get(path)
            assert r.status_code == 200, path
            for ref in re.findall(r"""^\s*import\s[^'"]*['"](\.[^'"]+)['"]""", r.text, re.M):
                todo.append(str(httpx.URL(server.url + path).join(ref).path))
        assert len(seen) > 20


@pytest.mark.parametrize(
    "path",
    [
        "/ui/static/../login.py",
        "/ui/static/%2e%2e/login.py",
        "/ui/vendor/novnc/..%2f..%2f..%2fetc%2fpasswd",
        "/ui/vendor/novnc/vnc_auto.html/../../../../etc/passwd",
        "/ui/static/",
        "/ui/static/nothing.js",
    ],
)
def test_paths_outside_the_roots_or_missing_are_the_apis_404(anon: httpx.Client, path: str) -> None:
    r = anon.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:200])
    assert "root:" not in r.text and "import" not in r.text
    assert_error(r, 404, "NotFound")


def test_the_files_are_read_only(anon: httpx.Client) -> None:
    assert_error(anon.put("/ui/static/app.js", content=b"x"), 405, "MethodNotAllowed")
