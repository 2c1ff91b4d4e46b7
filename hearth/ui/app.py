"""The server's application: the API (``hearth.api``) with the web UI's routes added."""

from __future__ import annotations

from fastapi import FastAPI

from hearth.api import create_app as create_api
from hearth.api.gate import BodyLimits
from hearth.service import Service

from . import assets, login, shell


def create_app(service: Service, body_limits: BodyLimits | None = None) -> FastAPI:
    """The API for ``service`` with the UI at ``/`` (for browsers) and under ``/ui``."""
    app = create_api(service, body_limits)
    for router in (shell.router, login.router, assets.router):
        app.include_router(router)
    return app
