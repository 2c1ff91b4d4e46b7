"""The UI tests reuse the API's real server on loopback (``tests/api/conftest.py``)."""

from __future__ import annotations

from ..api.conftest import admin, demo, other, server  # noqa: F401  (fixtures)
