"""/v1/events on the qemu driver (a tiny guest under TCG): QMP events and QEMU's exit."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._qemu import qemu_serving
from .conftest import DEMO, OTHER, Running, created
from .events_client import Listener


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-events"), guest_files(request)) as running:
        yield running


def test_qmp_events_and_qemus_exit_reach_the_owners_stream(qemu_server: Running) -> None:
    with (
        qemu_server.client(DEMO) as demo,
        Listener(qemu_server.url, DEMO) as events,
        Listener(qemu_server.url, OTHER) as other,
    ):
        assert "qemu" in events.wait(lambda f: f.kind == "stream.open").data["sources"]
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small"})
        iid = created(demo, r, 120)["id"]
        assert events.state(iid, "RUNNING", timeout=120).data["source"] == "qemu"
        assert demo.post(f"/v1/instances/{iid}/suspend").status_code == 202
        paused = events.state(iid, "PAUSED", timeout=60)
        assert paused.data["qmp"] == "STOP"
        assert demo.post(f"/v1/instances/{iid}/resume").status_code == 202
        events.wait(lambda f: f.data.get("instance_id") == iid and f.data.get("qmp") == "RESUME", timeout=60)
        # Behind Hearth's back: QEMU is killed; only the supervised process's end can tell.
        info = qemu_server.service.driver.context.vm_info(iid)  # type: ignore[attr-defined]
        assert info is not None and info.pid is not None
        os.kill(info.pid, signal.SIGKILL)
        ended = events.wait(
            lambda f: f.data.get("instance_id") == iid and f.data.get("qmp") == "exit", timeout=60
        )
        assert ended.data["state"] == "ERROR" and ended.data["reason"], ended.data
        assert not any(f.data.get("instance_id") == iid for f in other.frames)
