"""``/v1/docs``: Swagger UI served from this server's own files, so it works with no internet.

The assets come from the ``swagger-ui-py`` package (it ships Swagger UI 5, which reads OpenAPI
3.1 as FastAPI writes it; ``swagger-ui-bundle`` ships 4.x, which does not). Only its static
files are used, found without importing the package (its Python side is for other frameworks).
ReDoc is not served: it has no offline bundle on PyPI or in Debian, and a CDN page is blank offline.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, Response

DOCS_URL = "/v1/docs"
ASSETS_URL = f"{DOCS_URL}/assets"
# The only files served: a fixed list, so a path can never reach outside the package.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def assets_dir() -> Path | None:
    """The directory of Swagger UI's static files, or None when the package is not installed."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI, openapi_url: str, title: str) -> None:
    """The docs page, its OAuth2 redirect helper and its assets, all under /v1/docs."""

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - API docs",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
            oauth2_redirect_url=f"{DOCS_URL}/oauth2-redirect",
        )

    @app.get(f"{DOCS_URL}/oauth2-redirect", include_in_schema=False)
    async def redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(f"{ASSETS_URL}/{{name}}", include_in_schema=False)
    async def asset(name: str) -> Response:
        folder = assets_dir()
        if name not in ASSETS or folder is None:
            return Response(
                '{"code":404,"error":"NotFound","message":"no such docs asset","details":{}}',
                status_code=404,
                media_type="application/json",
            )
        return FileResponse(
            folder / name, media_type=ASSETS[name], headers={"Cache-Control": "max-age=86400"}
        )
