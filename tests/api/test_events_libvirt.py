"""/v1/events on the libvirt driver (qemu:///system, a tiny guest under TCG): libvirt's own
lifecycle events, including a change made behind Hearth's back with virsh."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.drivers.contract.libvirt_cases import guest_files

from ._libvirt import BOOT_TIMEOUT, URI, serve_libvirt
from ._live import boot_tiny_guest
from .conftest import ADMIN, Running
from .events_client import Listener

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Running, list[str]]]:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with serve_libvirt(guest, "events") as (running, _):
        yield running, [str(guest.kernel), str(guest.initrd), guest.append("wait")]


def test_libvirt_lifecycle_events_reach_the_stream_even_for_a_virsh_destroy(
    live: tuple[Running, list[str]],
) -> None:
    running, boot = live
    with running.client(ADMIN) as c, Listener(running.url, ADMIN) as events:
        c.timeout = 120
        opened = events.wait(lambda f: f.kind == "stream.open")
        assert "libvirt" in opened.data["sources"]
        iid = boot_tiny_guest(c, "events-guest", boot, BOOT_TIMEOUT)
        started = events.state(iid, "RUNNING", timeout=BOOT_TIMEOUT)
        assert started.data["source"] == "libvirt"
        # Started (booted), or resumed when the domain was started paused first.
        assert started.data["libvirt_event"] in (2, 4), started.data
        assert c.post(f"/v1/instances/{iid}/stop", json={"force": True}).status_code == 202
        stopped = events.state(iid, "STOPPED", timeout=60)
        assert stopped.data["source"] == "libvirt" and stopped.data["reason"] == "forced off"
        assert c.post(f"/v1/instances/{iid}/start").status_code == 202
        events.wait(
            lambda f: f.id is not None and f.id > (stopped.id or 0) and f.data.get("state") == "RUNNING",
            timeout=BOOT_TIMEOUT,
        )
        before = len(events.of(iid))
        # Behind Hearth's back: only libvirt can tell the stream about this.
        done = subprocess.run(
            ["virsh", "-c", URI, "destroy", iid], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        events.wait_until(lambda lst: len(lst.of(iid)) > before, timeout=30)
        behind = lst_last = events.of(iid)[-1]
        assert behind.data["state"] == "STOPPED" and behind.data["source"] == "libvirt", lst_last.data
        assert behind.data["reason"] == "forced off"
        assert c.delete(f"/v1/instances/{iid}").status_code == 204
        gone = events.wait(
            lambda f: f.kind == "instance.deleted" and f.data.get("instance_id") == iid, timeout=30
        )
        assert gone.data["source"] == "libvirt"
