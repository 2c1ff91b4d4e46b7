"""An instance's metrics through /v1/instances/{id}/metrics, over real HTTP (mock driver)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from hearth.drivers.resources import METRIC_UNITS, MetricName

from .conftest import assert_error, new_instance, wait_state


def test_a_running_instance_answers_every_figure_with_its_unit_and_a_timestamp(demo: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    r = demo.get(f"/v1/instances/{inst['id']}/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["instance_id"] == inst["id"]
    when = datetime.fromisoformat(body["timestamp"])
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60
    by_name = {m["name"]: m for m in body["metrics"]}
    assert set(by_name) == {n.value for n in MetricName}
    for name, unit in METRIC_UNITS.items():
        assert by_name[name.value]["unit"] == unit.value
    assert by_name["cpuTime"]["value"] > 0 and by_name["nicOutputByte"]["value"] > 0


def test_a_stopped_instance_is_409_naming_its_state(demo: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
    wait_state(demo, inst["id"], "STOPPED")
    err = assert_error(demo.get(f"/v1/instances/{inst['id']}/metrics"), 409, "InvalidState")
    assert "is STOPPED" in err["message"]


def test_another_users_or_an_unknown_instance_is_not_found(demo: httpx.Client, other: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    assert_error(other.get(f"/v1/instances/{inst['id']}/metrics"), 404, "NotFound")
    assert_error(demo.get("/v1/instances/nope/metrics"), 404, "NotFound")
