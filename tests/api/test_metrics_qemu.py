"""A real tiny guest's metrics through /v1 and /api on the qemu driver (HEARTH_ACCEL=tcg): the
figures come from its QEMU (QMP and /proc), so a booted guest has spent CPU time."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import pytest

from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._qemu import qemu_serving
from .conftest import DEMO, OTHER, Running, assert_error, created, wait_state


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-metrics"), guest_files(request)) as running:
        yield running


def test_a_booted_guest_has_spent_cpu_time_and_has_its_ram_size(qemu_server: Running) -> None:
    with qemu_server.client(DEMO) as demo, qemu_server.client(OTHER) as other:
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small"})
        inst = wait_state(demo, created(demo, r, 120)["id"], "RUNNING", timeout=120)
        got = demo.get(f"/v1/instances/{inst['id']}/metrics")
        assert got.status_code == 200, got.text
        figures = {m["name"]: m for m in got.json()["metrics"]}
        assert figures["cpuTime"]["value"] > 0 and figures["cpuTime"]["unit"] == "Seconds"
        assert 0 < figures["cpuUtilization"]["value"] <= 100
        assert figures["memoryAvailable"]["value"] >= 64 * 2**20
        assert 0 < figures["memoryUsed"]["value"] <= figures["memoryAvailable"]["value"]
        assert "diskReadByte" in figures and "nicInputByte" not in figures  # user-mode net: no counters
        again = {
            m["name"]: m["value"] for m in demo.get(f"/v1/instances/{inst['id']}/metrics").json()["metrics"]
        }
        assert again["cpuTime"] >= figures["cpuTime"]["value"]
        assert_error(other.get(f"/v1/instances/{inst['id']}/metrics"), 404, "NotFound")

        dc = demo.get(f"/api/metrics/{inst['id']}", headers={"accept": "application/xml"})
        assert dc.status_code == 200, dc.text
        sample = ET.fromstring(dc.content).find("properties/cpuTime/sample")
        assert sample is not None
        assert float(sample.find("property[@name='average']").get("value") or 0) > 0  # type: ignore[union-attr]
        listed = ET.fromstring(demo.get("/api/metrics", headers={"accept": "application/xml"}).content)
        assert inst["id"] in {m.get("id") for m in listed.findall("metric")}

        assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
        wait_state(demo, inst["id"], "STOPPED", timeout=120)
        err = assert_error(demo.get(f"/v1/instances/{inst['id']}/metrics"), 409, "InvalidState")
        assert "is STOPPED" in err["message"]
