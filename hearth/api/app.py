"""The FastAPI application over one Service: routers, error handlers, OpenAPI under /v1."""

from __future__ import annotations

from fastapi import FastAPI

from hearth import __version__
from hearth.service import Service

from . import docs, errors
from .gate import BodyLimits, Gate, streamed_routes
from .idempotency import IdempotentCreates, mark_creates

OPENAPI_URL = "/v1/openapi.json"


def create_app(service: Service, body_limits: BodyLimits | None = None) -> FastAPI:
    """An app serving ``service``; the caller owns the service and closes it after the server stops."""
    from .deltacloud.frontend import DeltacloudEntry, DeltacloudFrontend
    from .ec2.entry import Ec2Entry
    from .v1 import ROUTERS  # routers import the service layer; keep `import hearth.api` light

    app = FastAPI(
        title="Hearth",
        version=__version__,
        description="Virtual machines on libvirt/KVM hosts and QEMU: the native JSON API.",
        openapi_url=OPENAPI_URL,
        docs_url=None,  # served by hearth.api.docs from local files, not a CDN
        redoc_url=None,
    )
    docs.install(app, OPENAPI_URL, "Hearth")
    app.state.service = service
    limits = body_limits or BodyLimits()
    app.add_middleware(IdempotentCreates)  # inside the Gate: it needs the caller
    app.add_middleware(Gate, limits=body_limits)  # inside the error middleware errors.install adds
    errors.install(app)
    # Outermost: /ec2 speaks another protocol, so none of /v1's middleware is in its way.
    app.add_middleware(Ec2Entry, service=service, body_limit=limits.json)
    # Outermost too: Deltacloud's /api negotiates XML, JSON or HTML and has its own error documents.
    app.add_middleware(DeltacloudEntry, frontend=DeltacloudFrontend(service, limits.json, limits.upload))
    for router in ROUTERS:
        app.include_router(router)
    app.state.method_table = errors.method_table(ROUTERS)
    app.state.streamed_routes = streamed_routes(ROUTERS)
    app.state.idempotent_routes = mark_creates(r for router in ROUTERS for r in router.routes)
    return app
