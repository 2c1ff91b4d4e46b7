"""A real tiny guest's serial console through /v1 on the libvirt driver (qemu:///system, TCG)."""

from __future__ import annotations

import time
from collections.abc import Iterator

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
    with libvirt_client(guest, "console") as (c, _):
        yield c, [str(guest.kernel), str(guest.initrd), guest.append("wait")]


def test_a_booted_guests_console_log_holds_the_kernels_boot_text(
    admin: tuple[httpx.Client, list[str]],
) -> None:
    c, boot = admin
    iid = boot_tiny_guest(c, "console-guest", boot, BOOT_TIMEOUT)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while "Linux version" not in (output := c.get(f"/v1/instances/{iid}/console/log").json()["output"]):
        assert time.monotonic() < deadline, output[-2000:]
        time.sleep(0.5)
    answer = c.get(f"/v1/instances/{iid}/console/log").json()
    assert answer["instance_id"] == iid and answer["truncated"] is False
    assert c.post(f"/v1/instances/{iid}/stop", json={"force": True}).status_code == 202
    wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
    assert "Linux version" in c.get(f"/v1/instances/{iid}/console/log").json()["output"]
    assert c.delete(f"/v1/instances/{iid}").status_code == 204
