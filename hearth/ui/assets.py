"""The UI's files, read-only: our own scripts and styles from the package, noVNC from Debian.

Every path comes from a URL, so it is resolved (symlinks included) and must still lie inside its
root before anything is opened; anything else, a directory or a missing file is the API's 404.

- ``/ui/static/…``: ``hearth/ui/static`` — the pages (plain JS modules, no build step), the
  stylesheet, and xterm.js 5.5.0 (``vendor/xterm``, from the npm registry, committed as built:
  Debian 12's ``libjs-xterm`` ships only a stub that ``require``s files it does not contain).
- ``/ui/vendor/novnc/…``: ``/usr/share/novnc``, Debian's ``novnc`` package (noVNC 1.3's ES
  modules, loaded by the browser as they are).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

STATIC = Path(__file__).parent / "static"
NOVNC = Path("/usr/share/novnc")
# Module scripts need a JavaScript type; the system's mime table may lack one or say otherwise.
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".json": "application/json"}

router = APIRouter(prefix="/ui", include_in_schema=False)


def confined(root: Path, relative: str) -> Path:
    """The file ``relative`` names under ``root``, after symlinks; 404 if it leaves the root."""
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise HTTPException(404, f"no such resource: {relative[:200]}")
    return target


def _file(root: Path, path: str) -> FileResponse:
    target = confined(root, path)
    kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target, media_type=kind, headers={"Cache-Control": "no-cache"})


@router.get("/static/{path:path}")
async def static(path: str) -> FileResponse:
    return _file(STATIC, path)


@router.get("/vendor/novnc/{path:path}")
async def novnc(path: str) -> FileResponse:
    return _file(NOVNC, path)
