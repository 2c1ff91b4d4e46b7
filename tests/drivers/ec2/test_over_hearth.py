"""Hearth driving Hearth through EC2: a server on the EC2 driver whose endpoint is another Hearth
server's /ec2, on the libvirt driver (qemu:///system, TCG). An instance made over the first one's
/v1 is a real VM on the second: the tiny test guest boots and its boot marker comes back through
both servers' console paths (libvirt's log → /ec2 GetConsoleOutput → the EC2 driver → /v1).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.api.ec2.context import REGION
from hearth.drivers.ec2 import Ec2Config, Ec2Driver
from hearth.testing.guest import MARKER
from tests.api._libvirt import BOOT_TIMEOUT, serve_libvirt
from tests.api._live import wait_state
from tests.api.conftest import DEMO, created, serve_driver
from tests.api.ec2.clients import access_key
from tests.drivers.contract.libvirt_cases import GUEST_IMAGE, guest_files

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@pytest.fixture
def front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """demo on the EC2-driver server, whose EC2 credentials are demo's access key upstream."""
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    with serve_libvirt(guest_files(), "ec2-upstream", access_keys=True, catalogue=True) as (upstream, _):
        key = access_key(upstream, DEMO[0])
        options: dict[str, Any] = {
            "endpoint_url": f"{upstream.url}/ec2",
            "region": REGION,
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key,
            "image_owners": ["amazon"],  # the upstream's shared catalogue
            "instance_types": ["small"],
            "wait_seconds": BOOT_TIMEOUT,
        }
        config = Ec2Config.from_options(options)
        with (
            serve_driver(tmp_path, lambda engine: Ec2Driver(config, engine), backend="ec2") as running,
            running.client(DEMO) as c,
        ):
            c.timeout = httpx.Timeout(BOOT_TIMEOUT)
            yield c


def _console(c: httpx.Client, instance_id: str) -> str:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while MARKER not in (output := c.get(f"/v1/instances/{instance_id}/console/log").json()["output"]):
        assert time.monotonic() < deadline, output[-2000:]
        time.sleep(1)
    return str(output)


def test_an_instance_made_through_the_ec2_driver_boots_on_the_upstream_hearths_libvirt(
    front: httpx.Client,
) -> None:
    c = front
    assert c.get("/v1").json()["driver"] == "ec2"
    images = {i["name"]: i for i in c.get("/v1/images").json()["images"]}
    assert GUEST_IMAGE in images, images
    assert [p["id"] for p in c.get("/v1/hardware_profiles").json()["hardware_profiles"]] == ["small"]
    realms = [r["id"] for r in c.get("/v1/realms").json()["realms"]]
    assert realms, "the upstream's realms are the EC2 availability zones"

    body = {"image_id": images[GUEST_IMAGE]["id"], "hwp_id": "small", "name": "nested"}
    r = c.post("/v1/instances", json=body)
    iid = created(c, r, BOOT_TIMEOUT)["id"]
    assert wait_state(c, iid, "RUNNING", timeout=BOOT_TIMEOUT)["name"] == "nested"
    assert "Linux version " in _console(c, iid)

    assert c.post(f"/v1/instances/{iid}/stop", json={"force": True}).status_code == 202
    wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
    r = c.post(f"/v1/instances/{iid}/destroy")
    assert r.status_code == 202 and r.json()["state"] == "FINISHED", r.text
    assert c.get(f"/v1/instances/{iid}").status_code == 404
