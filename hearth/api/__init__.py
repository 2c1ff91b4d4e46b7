"""HTTP frontends over the Service; ``create_app(service)`` builds the native /v1 API."""

from .app import OPENAPI_URL, create_app

__all__ = ["OPENAPI_URL", "create_app"]
