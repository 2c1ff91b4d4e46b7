"""``/v1/docs`` works with no internet: the page and every asset it loads come from this server."""

from __future__ import annotations

import re

import httpx

from hearth.api.docs import assets_dir


def test_docs_and_assets_are_served_locally() -> None:
    assert assets_dir() is not None, "swagger-ui-py (a dependency) is not installed"


def test_docs_page_has_no_internet_reference(server: object) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:  # type: ignore[attr-defined]
        page = anonymous.get("/v1/docs")
        assert page.status_code == 200 and "swagger-ui" in page.text
        refs = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
        assert refs, page.text
        assert not re.search(r"https?://", page.text), "the docs page names an outside URL"
        assert "cdn.jsdelivr" not in page.text and "unpkg" not in page.text
        for ref in refs:
            assert ref.startswith("/v1/"), ref
            got = anonymous.get(ref)
            assert got.status_code == 200, (ref, got.status_code)
        js = anonymous.get("/v1/docs/assets/swagger-ui-bundle.js")
        assert js.headers["content-type"].startswith("text/javascript") and len(js.content) > 100_000
        assert anonymous.get("/v1/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
        assert anonymous.get("/v1/docs/assets/..%2F..%2Fapp.py").status_code == 404
        assert anonymous.get("/v1/docs/assets/LICENSE").status_code == 404
        assert anonymous.get("/v1/redoc").status_code in (401, 404)  # not served: no offline bundle
        assert anonymous.get("/v1/docs/oauth2-redirect").status_code == 200
