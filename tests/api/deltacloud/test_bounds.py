"""/api keeps the server's body bound and answers its error documents for it."""

from __future__ import annotations

from pathlib import Path

import httpx

from hearth.api.gate import BodyLimits
from hearth.drivers.mock import MockDriver
from hearth.service import Service

from ..conftest import DEMO, FAST, serve, store


def test_a_body_over_the_bound_is_413_as_an_error_document(tmp_path: Path) -> None:
    engine = store(tmp_path)
    with (
        serve(Service(MockDriver(engine, timing=FAST), engine), BodyLimits(json=1024)) as running,
        httpx.Client(base_url=running.url, auth=DEMO, headers={"accept": ""}) as api,
    ):
        r = api.post("/api/instances", data={"image_id": "debian-12", "user_data": "x" * 4096})
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/xml"
        assert '<error status="413"' in r.text
        small = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"})
        assert small.status_code == 201
