"""``start: false`` and CPU topology through /v1/instances, over real HTTP with the mock driver."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.drivers.mock.tables import MockInstanceSpec

from .conftest import Running, created, wait_state


def _states_until_stopped(client: httpx.Client, inst: dict[str, object]) -> list[str]:
    seen = [str(inst["state"])]
    while seen[-1] != "STOPPED":
        assert len(seen) < 5000 and seen[-1] != "ERROR", seen
        seen.append(client.get(f"/v1/instances/{inst['id']}").json()["state"])
    return seen


def test_an_image_instance_can_be_created_stopped(demo: httpx.Client) -> None:
    r = demo.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small", "start": False})
    inst = created(demo, r)
    assert set(_states_until_stopped(demo, inst)) <= {"PENDING", "STOPPED"}
    assert demo.post(f"/v1/instances/{inst['id']}/start").status_code == 202
    wait_state(demo, inst["id"], "RUNNING")
    assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
    wait_state(demo, inst["id"], "STOPPED")
    assert demo.delete(f"/v1/instances/{inst['id']}").status_code == 204


def test_start_is_a_boolean_in_both_forms(demo: httpx.Client) -> None:
    for body in (
        {"image_id": "debian-12", "hwp_id": "small", "start": "later"},
        {"template": "x", "start": "later"},
    ):
        r = demo.post("/v1/instances", json=body)
        assert r.status_code == 422 and "start" in r.json()["message"], r.text


def test_the_schema_offers_start_on_both_forms(demo: httpx.Client) -> None:
    schemas = demo.get("/v1/openapi.json").json()["components"]["schemas"]
    for form in ("ImageInstanceCreate", "TemplateInstanceCreate"):
        assert schemas[form]["properties"]["start"]["type"] == "boolean", form


def test_a_template_topology_reaches_the_driver(demo: httpx.Client, server: Running) -> None:
    vcpus = {"current": 4, "topology": {"sockets": 2, "cores": 2, "threads": 1}}
    r = demo.post(
        "/v1/templates", json={"name": "topo", "os": "debian11", "vcpus": vcpus, "disks": [], "networks": []}
    )
    assert r.status_code == 201, r.text
    assert r.json()["vcpus"]["topology"] == vcpus["topology"]
    r = demo.post("/v1/instances", json={"template": "topo", "start": False})
    inst = created(demo, r)
    assert inst["vcpus"] == 4
    with Session(server.service.engine) as s:
        spec = s.scalars(
            select(MockInstanceSpec.spec).where(MockInstanceSpec.instance_id == inst["id"])
        ).one()
    assert spec["topology"] == vcpus["topology"] and spec["vcpus"] == 4
    wait_state(demo, inst["id"], "STOPPED")
    assert demo.delete(f"/v1/instances/{inst['id']}").status_code == 204
    assert demo.delete(f"/v1/templates/{inst['template']}").status_code == 204


def test_a_topology_that_does_not_add_up_is_refused(demo: httpx.Client) -> None:
    vcpus = {"current": 2, "max": 4, "topology": {"sockets": 1, "cores": 2, "threads": 1}}
    r = demo.post("/v1/templates", json={"name": "bad-topo", "os": "debian11", "vcpus": vcpus})
    assert r.status_code in (400, 422), r.text
    assert "maximum is 4" in r.json()["message"]
