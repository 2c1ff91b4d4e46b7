"""``GET /v1`` lists every collection the server serves (media and host included), and each
listed href answers."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute

from hearth.api.v1 import ROUTERS
from tests.api.conftest import Running


def test_every_top_level_collection_is_listed(demo: httpx.Client, server: Running) -> None:
    listed = {c["name"]: c for c in demo.get("/v1").json()["collections"]}
    served = {
        route.path.split("/")[2]
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.count("/") >= 2 and not route.path.startswith("/v1/{")
    }
    assert {"media", "host"} <= served
    assert served - set(listed) == set(), f"served but not in GET /v1: {sorted(served - set(listed))}"
    for name, info in listed.items():
        if "{" in info["href"]:
            continue  # a sub-collection under its parent's items
        path = info["href"] + ("/sources" if name == "media" else "")
        if name == "events":  # an endless stream: its head is the answer
            with demo.stream("GET", path) as r:
                assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            continue
        assert demo.get(path).status_code == 200, (name, path)
