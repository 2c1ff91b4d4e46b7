"""The web UI: the pages people use in a browser, served beside /v1 by the same server.

The browser talks only to /v1 (with the session cookie and its CSRF token); this package serves
the page shell, its scripts and styles, the vendored console libraries, and the login and logout
that open and end a session. ``create_app`` is the whole server: the API with the UI on top.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
