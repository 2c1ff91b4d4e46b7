"""A real tiny guest's serial console through /v1 on the qemu driver (HEARTH_ACCEL=tcg)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._qemu import qemu_serving
from .conftest import DEMO, OTHER, Running, assert_error, created, wait_state


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-console"), guest_files(request)) as running:
        yield running


def test_a_booted_guests_console_log_holds_the_kernels_boot_text(qemu_server: Running) -> None:
    with qemu_server.client(DEMO) as demo, qemu_server.client(OTHER) as other:
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small"})
        inst = wait_state(demo, created(demo, r, 120)["id"], "RUNNING", timeout=120)
        deadline = time.monotonic() + 120
        while True:
            got = demo.get(f"/v1/instances/{inst['id']}/console/log")
            assert got.status_code == 200, got.text
            if "Linux version" in got.json()["output"]:
                break
            assert time.monotonic() < deadline, got.json()["output"][-2000:]
            time.sleep(0.5)
        assert got.json()["instance_id"] == inst["id"] and got.json()["truncated"] is False
        assert_error(other.get(f"/v1/instances/{inst['id']}/console/log"), 404, "NotFound")
        # The log outlives the QEMU process: a stopped guest still shows what it printed.
        assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
        wait_state(demo, inst["id"], "STOPPED", timeout=120)
        after = demo.get(f"/v1/instances/{inst['id']}/console/log").json()["output"]
        assert "Linux version" in after
