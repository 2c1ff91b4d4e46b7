"""Instance names are unique per server: 409 Conflict naming the existing instance, whichever
user asks and whichever form (image, template, count) — and two creates at once cannot both win."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.api.conftest import DEMO, Running, assert_error, created, new_instance, wait_state, wait_task


def test_a_duplicate_name_is_409_naming_the_instance(demo: httpx.Client, other: httpx.Client) -> None:
    first = new_instance(demo, name="uniq-1")
    body = {"image_id": "debian-12", "hwp_id": "small", "name": "uniq-1"}
    err = assert_error(demo.post("/v1/instances", json=body), 409, "Conflict")
    assert first["id"] in err["message"] and "uniq-1" in err["message"], err
    assert err["details"] == {"name": "uniq-1", "instance": first["id"]}
    assert_error(other.post("/v1/instances", json=body), 409, "Conflict")  # per server, not per user
    assert len(demo.get("/v1/instances", params={"name": "uniq-1"}).json()["instances"]) == 1
    # the template form and the count form obey it too
    assert (
        demo.post("/v1/templates", json={"name": "uniq-t", "os": "debian11", "disks": []}).status_code == 201
    )
    assert_error(demo.post("/v1/instances", json={"template": "uniq-t", "name": "uniq-1"}), 409, "Conflict")
    two = demo.post("/v1/instances", params={"count": 2}, json={**body, "name": "uniq-c"})
    assert two.status_code == 202, two.text
    assert wait_task(demo, two.headers["location"])["status"] == "succeeded"
    again = {**body, "name": "uniq-c-2"}
    assert_error(demo.post("/v1/instances", json=again), 409, "Conflict")
    # once deleted, the name is free again
    demo.post(f"/v1/instances/{first['id']}/stop", json={"force": True})
    wait_state(demo, first["id"], "STOPPED")
    assert demo.delete(f"/v1/instances/{first['id']}").status_code == 204
    assert new_instance(demo, name="uniq-1")["name"] == "uniq-1"


def test_two_creates_with_one_name_at_once_one_wins(server: Running) -> None:
    def create(_: int) -> httpx.Response:
        with server.client(DEMO) as c:
            body = {"image_id": "debian-12", "hwp_id": "small", "name": "uniq-race"}
            return c.post("/v1/instances", json=body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(create, range(8)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [202] + [409] * 7, codes
    with server.client(DEMO) as c:
        created(c, next(r for r in answers if r.status_code == 202))
        assert len(c.get("/v1/instances", params={"name": "uniq-race"}).json()["instances"]) == 1


def test_template_creates_as_tasks_hold_the_name(server: Running) -> None:
    with server.client(DEMO) as c:
        r = c.post("/v1/templates", json={"name": "uniq-disk", "os": "debian11", "disks": [{"size": 1}]})
        assert r.status_code == 201, r.text

    def create(_: int) -> int:
        with server.client(DEMO) as c:
            return c.post("/v1/instances", json={"template": "uniq-disk", "name": "uniq-slow"}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(create, range(6)))
    assert codes == [202] + [409] * 5, codes
    with server.client(DEMO) as c:
        tasks = c.get("/v1/tasks").json()["tasks"]
        for t in tasks:
            if t["status"] not in ("succeeded", "failed"):
                wait_task(c, f"/v1/tasks/{t['id']}")
        assert len(c.get("/v1/instances", params={"name": "uniq-slow"}).json()["instances"]) == 1
        assert_error(
            c.post("/v1/instances", json={"template": "uniq-disk", "name": "uniq-slow"}), 409, "Conflict"
        )
