"""A new driver on the same state directory adopts the guests a SIGKILLed manager left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.qemu import open_qemu_driver
from hearth.drivers.resources import Action, InstanceCreate
from hearth.errors import Conflict
from hearth.testing.guest import GuestImage, wait_for_console
from hearth.vocab.instance_states import InstanceState

from .case import GUEST_OS, WAIT, register_guest, short_dir

pytestmark = pytest.mark.guest
REPO = Path(__file__).resolve().parents[3]
ALICE = Caller("alice")
STOP_TIMEOUT = 8.0

# The managing process the test kills: two guests, then it just sits there.
MANAGER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from hearth.drivers import Caller, wait_for_state
    from hearth.drivers.qemu import open_qemu_driver
    from hearth.drivers.resources import InstanceCreate, InstanceState

    state, run = Path(sys.argv[1]), Path(sys.argv[2])
    driver = open_qemu_driver(state, run_dir=run)
    alice = Caller("alice")
    ids = []
    for name in ("survivor", "victim"):
        made = driver.create_instance(alice, InstanceCreate(image_id="test-guest", hwp_id="small", name=name))
        ids.append(wait_for_state(driver, alice, made.id, InstanceState.RUNNING, timeout=90).id)
    print("RUNNING", *ids, flush=True)
    time.sleep(3600)
    """
)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def test_guests_outlive_a_killed_manager_and_are_adopted(guest: GuestImage, state_dir: Path) -> None:
    run = short_dir("hqr-")
    try:
        with open_qemu_driver(state_dir, run_dir=run) as first:
            register_guest(first, guest)
        manager = subprocess.Popen(
            [sys.executable, "-c", MANAGER, str(state_dir), str(run)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "HEARTH_ACCEL": "tcg"},
        )
        try:
            assert manager.stdout is not None
            line = manager.stdout.readline()
            assert line.startswith("RUNNING"), line
            survivor, victim = line.split()[1:]
            with pytest.raises(Conflict):  # the live manager holds the state directory
                open_qemu_driver(state_dir, run_dir=run)
            wait_for_console(run / survivor / "console.log", "HEARTH-GUEST-READY", WAIT)
            os.kill(manager.pid, signal.SIGKILL)
            manager.wait(10)
        finally:
            if manager.poll() is None:
                manager.kill()
                manager.wait()
        pids = {iid: int((run / iid / "qemu.pid").read_text()) for iid in (survivor, victim)}
        assert all(_alive(p) for p in pids.values()), "QEMU must outlive its manager"
        os.kill(pids[victim], signal.SIGKILL)  # dies while nobody manages it

        with open_qemu_driver(state_dir, run_dir=run) as second:
            seen = {i.id: i for i in second.list_instances(ALICE)}
            assert seen[survivor].state is InstanceState.RUNNING and seen[survivor].name == "survivor"
            assert seen[victim].state is InstanceState.ERROR
            assert "no manager was watching" in (seen[victim].state_reason or "")
            assert second.context.sup.get(survivor).pid == pids[survivor]  # the same process, adopted
            second.suspend_instance(ALICE, survivor)
            assert second.get_instance(ALICE, survivor).state is InstanceState.PAUSED
            second.resume_instance(ALICE, survivor)
            second.stop_instance(ALICE, survivor, timeout=WAIT)
            off = wait_for_state(second, ALICE, survivor, InstanceState.STOPPED, timeout=WAIT + 15)
            assert off.state_reason == "the guest powered off"
            assert not _alive(pids[survivor])
            assert second.destroy_instance(ALICE, victim).actions == []
            assert [a for a in off.actions] == [Action.start, Action.destroy]
    finally:
        shutil.rmtree(run, ignore_errors=True)


def test_an_interrupted_graceful_stop_is_forced_by_the_next_manager(
    guest: GuestImage, state_dir: Path
) -> None:
    """The stop's deadline is on record, so a new manager forces the guest off once it passes.

    The guest boots with ``acpi=off``: it has no power button, so it never hears the request.
    """
    run = short_dir("hqs-")
    try:
        with open_qemu_driver(state_dir, run_dir=run) as first:
            first.register_image(
                "deaf-guest",
                image_id="deaf-guest",
                os=GUEST_OS,
                kernel=guest.kernel,
                initrd=guest.initrd,
                cmdline=guest.append("wait", "acpi=off"),
            )
            made = first.create_instance(ALICE, InstanceCreate(image_id="deaf-guest", hwp_id="small"))
            iid = wait_for_state(first, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
            wait_for_console(run / iid / "console.log", "no ACPI power button", WAIT)
            assert first.stop_instance(ALICE, iid, timeout=STOP_TIMEOUT).state is InstanceState.STOPPING
        # The manager is gone (its stop with it); the guest still runs, on record as STOPPING.
        with open_qemu_driver(state_dir, run_dir=run) as second:
            off = wait_for_state(second, ALICE, iid, InstanceState.STOPPED, timeout=STOP_TIMEOUT + WAIT)
            assert off.state_reason is not None and off.state_reason.startswith("quit")
    finally:
        shutil.rmtree(run, ignore_errors=True)
