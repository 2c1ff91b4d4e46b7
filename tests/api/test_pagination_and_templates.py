"""Cursor pagination across collections, and the template form of POST /v1/instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from hearth.drivers import Caller
from hearth.drivers.mock import MockDriver
from hearth.drivers.resources import InstanceCreate
from hearth.service import Service, Task

from .conftest import DEMO, FAST, Running, assert_error, created, serve, store, wait_task


def _all_pages(client: httpx.Client, path: str, plural: str, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = client.get(path, params=params).json()
        assert set(body) == {plural, "next"}
        pages.append([item["id"] for item in body[plural]])
        cursor = body["next"]
        if cursor is None:
            return pages


def test_pages_cover_every_item_once_in_creation_order(server: Running, demo: httpx.Client) -> None:
    r = demo.post("/v1/instances", params={"count": 7}, json={"image_id": "debian-12", "hwp_id": "small"})
    wait_task(demo, r.headers["location"])
    everything = demo.get("/v1/instances", params={"limit": 1000}).json()["instances"]
    ids = [i["id"] for i in everything]
    assert len(ids) >= 7 and ids == [
        i["id"] for i in sorted(everything, key=lambda i: (datetime.fromisoformat(i["created"]), i["id"]))
    ]
    pages = _all_pages(demo, "/v1/instances", "instances", 3)
    assert [i for p in pages for i in p] == ids
    assert all(len(p) == 3 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    # A full last page has no next page.
    assert demo.get("/v1/instances", params={"limit": len(ids)}).json()["next"] is None


def test_a_cursor_stays_valid_when_earlier_items_go(demo: httpx.Client) -> None:
    made = [
        demo.post("/v1/networks", json={"name": f"p{i}", "address_blocks": [f"10.{100 + i}.0.0/16"]}).json()
        for i in range(4)
    ]
    first = demo.get("/v1/networks", params={"limit": 2}).json()
    seen = [n["id"] for n in first["networks"]]
    for n in first["networks"]:
        if n["owner_id"] != "system":
            assert demo.delete(f"/v1/networks/{n['id']}").status_code == 204
    after = demo.get("/v1/networks", params={"limit": 1000, "cursor": first["next"]}).json()["networks"]
    later_ids = [n["id"] for n in after]
    assert not set(later_ids) & set(seen)
    assert {m["id"] for m in made} - set(seen) <= set(later_ids)


def test_every_collection_pages(demo: httpx.Client) -> None:
    for path, plural in (
        ("/v1/images", "images"),
        ("/v1/realms", "realms"),
        ("/v1/hardware_profiles", "hardware_profiles"),
    ):
        pages = _all_pages(demo, path, plural, 1)
        assert len(pages) >= 2 and all(len(p) == 1 for p in pages)
        assert len({i for p in pages for i in p}) == len(pages)


def test_a_forged_cursor_is_400(demo: httpx.Client) -> None:
    for bad in ("not-base64-!!", "bm90IGpzb24", "W10", "WzFd"):  # garbage, "not json", [], [1]
        body = assert_error(demo.get("/v1/images", params={"cursor": bad}), 400, "ValidationError")
        assert body["details"] == {"fields": ["query parameter cursor"]}


@dataclass
class RecordingTemplates:
    """Stands in for hearth.service.templates (tested on its own, with host facts): it records the
    call the API makes and answers a real task creating a real mock instance under the id given."""

    driver: MockDriver
    service: Service | None = None
    calls: list[tuple[str, str, str | None, str | None, bool]] = field(default_factory=list)

    def instantiate(
        self,
        caller: Caller,
        template: str,
        *,
        name: str | None,
        realm: str | None,
        start: bool,
        instance_id: str | None,
    ) -> Task:
        self.calls.append((caller.user_id, template, name, realm, start))
        request = InstanceCreate(
            image_id="debian-12", hwp_id="small", name=name, realm_id=realm, instance_id=instance_id
        )
        assert self.service is not None
        work = lambda p: self.driver.create_instance(caller, request)  # noqa: E731
        return self.service.tasks.submit(caller, "instances.create", f"{template} template", work)


def test_the_template_form_goes_to_the_templates_service(tmp_path: Path) -> None:
    engine = store(tmp_path)
    driver = MockDriver(engine, timing=FAST)
    templates = RecordingTemplates(driver)
    service = Service(driver, engine, templates=templates)
    templates.service = service
    with serve(service) as running, running.client(DEMO) as c:
        r = c.post(
            "/v1/instances", json={"template": "web", "name": "from-t", "realm": "local", "start": False}
        )
        made = created(c, r)
        assert made["name"] == "from-t" and r.headers["location"] == f"/v1/instances/{made['id']}"
        me = service.authenticate(*DEMO).user_id
        assert templates.calls == [(me, "web", "from-t", "local", False)]
        r = c.post("/v1/instances", json={"template": "slow"})
        assert created(c, r)["name"].startswith("inst-")
        assert templates.calls[-1] == (me, "slow", None, None, True)
        assert_error(c.post("/v1/instances", json={"template": ""}), 422, "ValidationError")
        assert_error(
            c.post("/v1/instances", json={"template": "web", "hwp_id": "small"}), 422, "ValidationError"
        )


def test_without_a_templates_service_the_template_form_is_501(tmp_path: Path) -> None:
    engine = store(tmp_path)
    service = Service(MockDriver(engine, timing=FAST), engine, load_templates=False)
    with serve(service) as running, running.client(DEMO) as c:
        body = assert_error(c.post("/v1/instances", json={"template": "web"}), 501, "NotSupported")
        assert body["message"] == "templates are not available"
        assert "templates" not in {col["name"] for col in c.get("/v1").json()["collections"]}
