"""``?name=`` on every /v1 collection: exactly that name, through the service; unknown → []."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import assert_error, created, new_instance

# (collection path, key of its items in the answer)
COLLECTIONS = [
    ("instances", "instances"),
    ("images", "images"),
    ("realms", "realms"),
    ("hardware_profiles", "hardware_profiles"),
    ("keys", "keys"),
    ("volumes", "volumes"),
    ("snapshots", "snapshots"),
    ("networks", "networks"),
    ("subnets", "subnets"),
    ("pools", "pools"),
    ("addresses", "addresses"),
    ("tasks", "tasks"),
    ("templates", "templates"),
    ("buckets", "buckets"),
    ("media/sources", "sources"),
    ("host/interfaces", "interfaces"),
]


@pytest.fixture(scope="module", autouse=True)
def some_of_everything(server: object, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two items in the collections the mock starts empty, so a filter has something to leave out."""
    from tests.api.conftest import ADMIN, DEMO

    tmp = tmp_path_factory.mktemp("media")

    with httpx.Client(base_url=server.url, auth=DEMO, timeout=30) as c:  # type: ignore[attr-defined]
        for n in ("alpha", "beta"):
            assert c.post("/v1/keys", json={"name": f"key-{n}"}).status_code == 201
            vol = c.post("/v1/volumes", json={"capacity_gb": 1, "name": f"vol-{n}"})
            assert vol.status_code == 201, vol.text
            snap = c.post("/v1/snapshots", json={"volume_id": vol.json()["id"], "name": f"snap-{n}"})
            assert snap.status_code in (201, 202), snap.text
            assert c.post("/v1/addresses", json={"name": f"addr-{n}"}).status_code in (201, 202)
            r = c.post("/v1/templates", json={"name": f"tpl-{n}", "os": "debian11", "disks": [{"size": 1}]})
            assert r.status_code == 201, r.text
            new_instance(c, name=f"vm-{n}")
            r = c.post("/v1/instances", json={"template": f"tpl-{n}", "name": f"vmt-{n}"})
            created(c, r)  # a task, so /v1/tasks has items
        assert c.post("/v1/buckets", json={"name": "bucket-alpha"}).status_code == 201
    with httpx.Client(base_url=server.url, auth=ADMIN, timeout=30) as a:  # type: ignore[attr-defined]
        for n in ("alpha", "beta"):
            src = a.post("/v1/media/sources", json={"name": f"src-{n}", "type": "dir", "path": str(tmp)})
            assert src.status_code == 201, src.text


@pytest.mark.parametrize(("path", "plural"), COLLECTIONS)
def test_name_filter_keeps_exactly_that_name(demo: httpx.Client, path: str, plural: str) -> None:
    everything = demo.get(f"/v1/{path}", params={"limit": 1000})
    assert everything.status_code == 200, everything.text
    items = everything.json()[plural]
    named = [i for i in items if i.get("name")]
    assert named, f"/v1/{path} lists nothing named to filter on"
    name = named[-1]["name"]
    found = demo.get(f"/v1/{path}", params={"name": name})
    assert found.status_code == 200, found.text
    kept = found.json()[plural]
    assert kept and all(i["name"] == name for i in kept), kept
    assert len(kept) == sum(1 for i in items if i.get("name") == name)
    assert demo.get(f"/v1/{path}", params={"name": name.upper() + "-x"}).json()[plural] == []


def test_name_filter_is_exact_and_bounded(demo: httpx.Client) -> None:
    assert [
        i["name"] for i in demo.get("/v1/instances", params={"name": "vm-alpha"}).json()["instances"]
    ] == ["vm-alpha"]
    assert demo.get("/v1/instances", params={"name": "vm-"}).json()["instances"] == []  # not a prefix
    assert demo.get("/v1/instances", params={"name": "vm-%"}).json()["instances"] == []  # not a pattern
    assert_error(demo.get("/v1/instances", params={"name": ""}), 422, "ValidationError")
    assert_error(demo.get("/v1/keys", params={"name": "x" * 300}), 422, "ValidationError")


def test_name_filter_respects_ownership(other: httpx.Client) -> None:
    assert other.get("/v1/instances", params={"name": "vm-alpha"}).json()["instances"] == []
    assert other.get("/v1/templates", params={"name": "tpl-alpha"}).json()["templates"] == []
