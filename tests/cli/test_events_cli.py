"""`hearth events` and `hearth vm wait`, run as subprocesses against a live server (mock driver)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hearth.drivers.mock import MockDriver, MockTiming
from tests.api.conftest import DEMO, Running, new_instance, serve_driver

from .test_client import HEARTH, hearth, one_error_line

# A boot and a shutdown long enough that `vm wait` really waits.
SLOW = MockTiming(boot_seconds=1.0, shutdown_seconds=1.0)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("state"), lambda e: MockDriver(e, timing=SLOW)) as server:
        yield server


@pytest.fixture
def env(live: Running) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {
        **clean,
        "HEARTH_URL": live.url,
        "HEARTH_USER": DEMO[0],
        "HEARTH_PASSWORD": DEMO[1],
        "COLUMNS": "200",
    }


class Lines:
    """A running ``hearth events``'s stdout lines, as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._proc = proc
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()

    def wait(self, needle: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines:
                    if needle in line:
                        return line
                left = deadline - time.monotonic()
                assert left > 0, f"no line with {needle!r} in {self.lines}"
                self._cond.wait(left)


@pytest.mark.parametrize("as_json", [True, False])
def test_hearth_events_prints_each_change_as_it_happens(
    live: Running, env: dict[str, str], as_json: bool
) -> None:
    args = [*HEARTH, "events", *(["--json"] if as_json else [])]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out = Lines(proc)
        out.wait("stream.open" if as_json else "following events")
        with live.client() as c:
            iid = new_instance(c)["id"]
        if as_json:
            booted: dict[str, Any] = json.loads(out.wait('"RUNNING"'))
            assert booted["event"] == "instance.state" and booted["instance_id"] == iid
            assert booted["source"] == "mock" and isinstance(booted["id"], int)
            assert json.loads(out.wait('"PENDING"'))["reason"] == "created"
        else:
            assert "PENDING (created)" in out.wait(f"{iid[:8]}  PENDING")
            out.wait(f"{iid[:8]}  RUNNING")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_vm_wait_returns_when_the_state_is_reached(live: Running, env: dict[str, str]) -> None:
    with live.client() as c:
        inst = new_instance(c, name="waited")
    assert inst["state"] == "PENDING"
    done = json.loads(
        hearth(env, "vm", "wait", "waited", "--state", "running", "--timeout", "30", "--json").stdout
    )
    assert done["id"] == inst["id"] and done["state"] == "RUNNING"
    with live.client() as c:
        assert c.post(f"/v1/instances/{inst['id']}/stop").status_code == 202
    done = json.loads(hearth(env, "vm", "wait", inst["id"], "--state", "STOPPED", "--json").stdout)
    assert done["state"] == "STOPPED"
    # Already there: answers at once.
    assert (
        json.loads(hearth(env, "vm", "wait", "waited", "--state", "STOPPED", "--json").stdout)["state"]
        == "STOPPED"
    )


def test_vm_wait_gives_up_after_its_timeout_with_one_line(live: Running, env: dict[str, str]) -> None:
    with live.client() as c:
        inst = new_instance(c, name="never-stops")
    hearth(env, "vm", "wait", inst["id"], "--state", "RUNNING")
    line = one_error_line(
        hearth(env, "vm", "wait", "never-stops", "--state", "STOPPED", "--timeout", "1", ok=False)
    )
    assert "still RUNNING after 1s" in line
    missing = one_error_line(hearth(env, "vm", "wait", "no-such-vm", "--state", "RUNNING", ok=False))
    assert "not found" in missing
