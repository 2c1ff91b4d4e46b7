"""`hearth serve --seed deltacloud`: Deltacloud's mock fixtures and mockuser in a new store, once.

Real processes on a real port, as `make conformance` starts them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from hearth.errors import ValidationError
from hearth.service import SeedName, ServiceConfig

from ..test_cli_serve import HEARTH, _free_port, _serving

MOCK = ("mockuser", "mockpassword")


def _ids(client: httpx.Client, path: str, key: str) -> list[str]:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return sorted(item["id"] for item in r.json()[key])


def test_the_deltacloud_seed_serves_the_fixtures_on_api_and_v1_to_mockuser(tmp_path: Path) -> None:
    port = _free_port()
    args = ("--seed", "deltacloud", "--state-dir", str(tmp_path / "s"), "--listen", f"127.0.0.1:{port}")
    with _serving(*args) as (_, lines):
        assert "Deltacloud fixtures user: mockuser / mockpassword" in "".join(lines)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, auth=MOCK, timeout=30, params={"format": "json"}) as api:
            assert _ids(api, "/api/images", "images") == ["img1", "img2", "img3"]
            assert _ids(api, "/api/realms", "realms") == ["eu", "us"]
            profiles = _ids(api, "/api/hardware_profiles", "hardware_profiles")
            assert profiles == ["m1-large", "m1-small", "m1-xlarge", "opaque"]
            assert _ids(api, "/api/instances", "instances") == ["inst0", "inst1", "inst2"]
            assert _ids(api, "/api/keys", "keys") == ["test-key"]
            inst0 = api.get("/api/instances/inst0").json()["instance"]
            assert inst0["name"] == "Mock Instance With Profile Change" and inst0["state"] == "RUNNING"
            realm = api.get("/api/realms/us").json()["realm"]
            assert realm["name"] == "United States"
            _networking(api)
        with httpx.Client(base_url=base, auth=MOCK, timeout=30) as v1:
            assert _ids(v1, "/v1/volumes", "volumes") == ["vol1", "vol2", "vol3"]
            assert _ids(v1, "/v1/snapshots", "snapshots") == ["snap1", "snap2", "snap3"]
            vol3 = v1.get("/v1/volumes/vol3").json()
            assert vol3["instance"] == "inst1" and vol3["state"] == "IN_USE"
            inst0 = v1.get("/v1/instances/inst0").json()
            assert inst0["hardware_profile"] == "m1-large"
            assert inst0["owner_id"] == v1.get("/v1/images/img3").json()["owner_id"]
            # Hearth's own catalogue is not mixed in.
            assert "debian-12" not in _ids(v1, "/v1/images", "images")
        wrong = httpx.get(f"{base}/api/instances", auth=("mockuser", "not-it"), timeout=30)
        assert wrong.status_code == 401
        # Another user sees none of mockuser's instances.
        demo = httpx.get(f"{base}/v1/instances", auth=("demo", "demo-password"), timeout=30)
        assert demo.status_code == 200 and demo.json()["instances"] == []


def test_a_second_start_keeps_what_the_first_run_changed_and_adds_nothing(tmp_path: Path) -> None:
    state = str(tmp_path / "s")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    args = ("--seed", "deltacloud", "--state-dir", state, "--listen", f"127.0.0.1:{port}")
    with _serving(*args), httpx.Client(base_url=base, auth=MOCK, timeout=30) as v1:
        assert v1.delete("/v1/snapshots/snap3").status_code in (202, 204)
    with _serving(*args) as (_, lines):
        assert "Deltacloud fixtures user: mockuser / mockpassword" in "".join(lines)
        with httpx.Client(base_url=base, auth=MOCK, timeout=30) as v1:
            assert _ids(v1, "/v1/snapshots", "snapshots") == ["snap1", "snap2"]
            assert _ids(v1, "/v1/images", "images") == ["img1", "img2", "img3"]
            assert _ids(v1, "/v1/instances", "instances") == ["inst0", "inst1", "inst2"]


def test_the_deltacloud_seed_refuses_a_store_that_already_holds_hearths_catalogue(tmp_path: Path) -> None:
    state = str(tmp_path / "s")
    port = _free_port()
    with _serving("--state-dir", state, "--listen", f"127.0.0.1:{port}"):
        pass
    done = subprocess.run(
        [*HEARTH, "serve", "--seed", "deltacloud", "--state-dir", state, "--listen", f"127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "seeds a new store only" in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_an_unknown_seed_is_refused_with_the_choices(tmp_path: Path) -> None:
    done = subprocess.run(
        [*HEARTH, "serve", "--seed", "bogus", "--state-dir", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unknown seed 'bogus'; choose one of default, deltacloud" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_deltacloud_seed_is_for_the_mock_only() -> None:
    with pytest.raises(ValidationError, match="applies to the mock driver"):
        ServiceConfig().with_overrides(driver="libvirt", seed="deltacloud")
    assert ServiceConfig().with_overrides(seed="deltacloud").seed is SeedName.deltacloud


def _networking(api: httpx.Client) -> None:
    """Deltacloud's addresses, networks (and no Hearth "default" beside them), subnets and nic1."""
    assert _ids(api, "/api/addresses", "addresses") == [f"192.168.0.{n}" for n in range(1, 5)]
    assert all(not a["associated"] for a in api.get("/api/addresses").json()["addresses"])
    nets = {n["id"]: n for n in api.get("/api/networks").json()["networks"]}
    assert set(nets) == {"net1", "net2"}
    assert nets["net1"]["name"] == "network1" and nets["net1"]["address_blocks"] == ["192.168.0.0/16"]
    assert [s["id"] for s in nets["net2"]["subnets"]] == ["subnet3", "subnet4"]
    subs = {
        s["id"]: (s["network"]["id"], s["address_block"]) for s in api.get("/api/subnets").json()["subnets"]
    }
    assert subs == {
        "subnet1": ("net1", "192.168.1.0/24"),
        "subnet2": ("net1", "192.168.2.0/24"),
        "subnet3": ("net2", "10.1.0.0/16"),
        "subnet4": ("net2", "10.2.0.0/16"),
    }
    [nic] = api.get("/api/network_interfaces").json()["network_interfaces"]
    assert (nic["instance"]["id"], nic["network"]["id"], nic["ip_address"]) == (
        "inst1",
        "subnet1",
        "192.168.1.2",
    )
    shown = api.get("/api/instances/inst1", params={"format": "xml"}).text
    assert f'id="{nic["id"]}"' in shown and "<network_interfaces>" in shown


def test_the_deltacloud_mock_changes_an_instances_state_at_once_as_deltaclouds_did(tmp_path: Path) -> None:
    """Deltacloud's mock answered a create with RUNNING and a stop with STOPPED, and its clients
    (and its own suite) read the new state right after the call."""
    port = _free_port()
    args = ("--seed", "deltacloud", "--state-dir", str(tmp_path / "s"), "--listen", f"127.0.0.1:{port}")
    with (
        _serving(*args),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=MOCK, timeout=30) as api,
    ):
        made = api.post("/api/instances", params={"format": "json"}, data={"image_id": "img1"})
        assert made.status_code == 201, made.text
        instance = made.json()["instance"]
        assert instance["state"] == "RUNNING"
        stopped = api.post(f"/api/instances/{instance['id']}/stop", params={"format": "json"})
        assert stopped.status_code == 202 and stopped.json()["instance"]["state"] == "STOPPED", stopped.text
        shown = api.get(f"/api/instances/{instance['id']}", params={"format": "json"}).json()["instance"]
        assert "create_image" in {a["rel"] for a in shown["actions"]}
