"""The FastAPI application over one Service: routers, error handlers, OpenAPI under /v1."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route

from hearth import __version__
from hearth.service import Service

from . import errors
from .gate import BodyLimits, Gate, streamed_routes
from .idempotency import IdempotentCreates, mark_creates

OPENAPI_URL = "/v1/openapi.json"


def create_app(service: Service, body_limits: BodyLimits | None = None) -> FastAPI:
    """An app serving ``service``; the caller owns the service and closes it after the server stops."""
    from .ec2.frontend import PREFIX as EC2_PREFIX
    from .ec2.frontend import Ec2Frontend
    from .v1 import ROUTERS  # routers import the service layer; keep `import hearth.api` light

    app = FastAPI(
        title="Hearth",
        version=__version__,
        description="Virtual machines on libvirt/KVM hosts and QEMU: the native JSON API.",
        openapi_url=OPENAPI_URL,
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(IdempotentCreates)  # inside the Gate: it needs the caller
    app.add_middleware(Gate, limits=body_limits)  # inside the error middleware errors.install adds
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    ec2 = Ec2Frontend(service, (body_limits or BodyLimits()).json)
    for path in (EC2_PREFIX, EC2_PREFIX + "/"):  # boto3 posts to the endpoint URL's path plus "/"
        app.router.routes.append(Route(path, ec2, include_in_schema=False))
    app.state.method_table = errors.method_table(ROUTERS)
    app.state.streamed_routes = streamed_routes(ROUTERS)
    app.state.idempotent_routes = mark_creates(r for router in ROUTERS for r in router.routes)
    return app
