"""An instance's serial console through /v1/instances/{id}/console/log, over real HTTP (mock driver)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from .conftest import assert_error, new_instance, wait_state


def _log(client: httpx.Client, instance_id: object) -> dict[str, object]:
    r = client.get(f"/v1/instances/{instance_id}/console/log")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return dict(r.json())


def test_a_new_instance_shows_its_boot_log_with_a_timestamp(demo: httpx.Client) -> None:
    inst = new_instance(demo, name="boots")
    body = _log(demo, inst["id"])
    assert body["instance_id"] == inst["id"] and body["truncated"] is False
    output = str(body["output"])
    assert output.startswith("[    0.000000] Linux version ")
    assert f"instance {inst['id']} (boots)" in output and "boots login: " in output
    when = datetime.fromisoformat(str(body["timestamp"]))
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60


def test_the_log_grows_with_each_action_and_is_the_same_on_every_read(demo: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    first = str(_log(demo, inst["id"])["output"])
    assert demo.post(f"/v1/instances/{inst['id']}/reboot").status_code == 202
    after = str(_log(demo, inst["id"])["output"])
    assert after.startswith(first) and "reboot: Restarting system" in after
    assert after.count("Linux version ") == 2
    assert after == _log(demo, inst["id"])["output"]
    assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
    assert str(_log(demo, inst["id"])["output"]).rstrip().endswith("reboot: Power down")


def test_an_instance_created_stopped_has_printed_nothing(demo: httpx.Client) -> None:
    inst = new_instance(demo, start=False)
    assert _log(demo, inst["id"])["output"] == ""


def test_another_users_instance_console_is_not_found(demo: httpx.Client, other: httpx.Client) -> None:
    inst = new_instance(demo)
    assert_error(other.get(f"/v1/instances/{inst['id']}/console/log"), 404, "NotFound")
    assert_error(demo.get("/v1/instances/nope/console/log"), 404, "NotFound")
