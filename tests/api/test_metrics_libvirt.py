"""A real tiny guest's metrics through /v1 and /api on the libvirt driver (qemu:///system, TCG):
libvirt's domain stats, so a booted guest has spent CPU time."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.drivers.contract.libvirt_cases import guest_files

from ._libvirt import BOOT_TIMEOUT
from ._live import boot_tiny_guest, wait_state
from .test_e2e_libvirt import libvirt_client

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.Client, list[str]]]:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with libvirt_client(guest, "metrics") as (c, _):
        yield c, [str(guest.kernel), str(guest.initrd), guest.append("wait")]


def test_a_booted_guest_has_spent_cpu_time(admin: tuple[httpx.Client, list[str]]) -> None:
    c, boot = admin
    iid = boot_tiny_guest(c, "metrics-guest", boot, BOOT_TIMEOUT)
    got = c.get(f"/v1/instances/{iid}/metrics")
    assert got.status_code == 200, got.text
    figures = {m["name"]: m["value"] for m in got.json()["metrics"]}
    assert figures["cpuTime"] > 0
    assert 0 < figures["cpuUtilization"] <= 100  # the local QEMU's age, from its pid file
    assert figures["memoryAvailable"] == 192 * 2**20
    dc = c.get(f"/api/metrics/{iid}", headers={"accept": "application/xml"})
    assert dc.status_code == 200, dc.text
    sample = ET.fromstring(dc.content).find("properties/cpuTime/sample/property[@name='average']")
    assert sample is not None and float(sample.get("value") or 0) > 0
    assert c.post(f"/v1/instances/{iid}/stop", json={"force": True}).status_code == 202
    wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
    assert c.get(f"/v1/instances/{iid}/metrics").status_code == 409
    assert c.delete(f"/v1/instances/{iid}").status_code == 204
