"""Supervision: runtime dirs, re-attach after the manager is killed, deaths noticed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hearth.errors import Conflict, InvalidState, NotFound
from hearth.qemu import Machine, Supervisor, VMState
from hearth.testing.guest import GuestImage, wait_for_console
from tests.qemu._support import BOOT_TIMEOUT

REPO = Path(__file__).resolve().parents[2]

# The managing process the test kills: it launches the guest and then just sits there.
MANAGER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from hearth.qemu import Supervisor
    from hearth.testing.guest import GuestImage
    from tests.qemu._support import guest_machine

    state, kernel, initrd = (Path(a) for a in sys.argv[1:4])
    sup = Supervisor(state)
    vm = sup.launch(guest_machine(GuestImage(kernel, initrd), "survivor", hotplug_ports=1))
    print("LAUNCHED", vm.pid, flush=True)
    time.sleep(3600)
    """
)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@pytest.mark.guest
def test_kill_recovery(state_dir: Path, guest: GuestImage, tmp_path: Path) -> None:
    manager = subprocess.Popen(
        [sys.executable, "-c", MANAGER, str(state_dir), str(guest.kernel), str(guest.initrd)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert manager.stdout is not None
        line = manager.stdout.readline()
        assert line.startswith("LAUNCHED"), line
        qemu_pid = int(line.split()[1])
        runtime = state_dir / "survivor"
        wait_for_console(runtime / "console.log", "HEARTH-GUEST-READY", BOOT_TIMEOUT)
        os.kill(manager.pid, signal.SIGKILL)
        manager.wait(10)
    finally:
        if manager.poll() is None:
            manager.kill()
            manager.wait()
    assert _alive(qemu_pid), "QEMU must outlive its manager"
    assert {"qmp.sock", "qemu.pid", "console.log", "launch.json"} <= {p.name for p in runtime.iterdir()}
    assert json.loads((runtime / "launch.json").read_text())["argv"][0] == "qemu-system-x86_64"

    with Supervisor(state_dir) as sup:
        vms = sup.attach_all()
        assert list(vms) == ["survivor"]
        vm = vms["survivor"]
        assert vm.pid == qemu_pid
        assert vm.status()["status"] == "running"
        vm.pause()
        assert sup.info("survivor").state == VMState.PAUSED
        vm.resume()
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", str(tmp_path / "d.qcow2"), "8M"], check=True
        )
        vm.add_disk("late", tmp_path / "d.qcow2")
        assert "late" in vm.pci_device_ids()
        # Graceful powerdown: the guest sees the ACPI button and powers itself off.
        event = vm.powerdown(timeout=60)
        assert event is not None and event.data == {"guest": True, "reason": "guest-shutdown"}
        ended = vm.wait_exit(30)
        assert ended.state == VMState.SHUTOFF
        assert ended.reason == "the guest powered off"
        assert "HEARTH-GUEST-POWERDOWN" in (runtime / "console.log").read_text(errors="replace")
        assert not _alive(qemu_pid)
        info = sup.info("survivor")
        assert (info.state, info.reason) == (VMState.SHUTOFF, "the guest powered off")
    # A later supervisor still knows how it ended, and refuses to attach.
    with Supervisor(state_dir) as sup:
        assert sup.info("survivor").reason == "the guest powered off"
        with pytest.raises(InvalidState, match="not running: the guest powered off"):
            sup.attach("survivor")


def test_death_while_unsupervised_is_recorded(state_dir: Path) -> None:
    with Supervisor(state_dir) as first:
        handle = first.launch(Machine(name="lonely", machine_type="none", memory_mib=64))
        pid, loop = handle.pid, handle.loop
    assert _alive(pid), "closing a supervisor leaves its VMs running"
    os.kill(pid, signal.SIGKILL)
    # Nothing is left pending on the closed loop (the child's reaper included).
    assert loop.is_closed() and not asyncio.all_tasks(loop)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with Supervisor(state_dir) as second:
        info = second.info("lonely")
        assert info.state == VMState.CRASHED
        assert info.reason is not None and "while no manager was watching" in info.reason
        assert second.attach_all() == {}
        second.remove("lonely")
        assert second.names() == []


def test_names_conflicts_and_lookup(state_dir: Path) -> None:
    with Supervisor(state_dir) as sup:
        vm = sup.launch(Machine(name="one", machine_type="none", memory_mib=64))
        with pytest.raises(Conflict, match="already running"):
            sup.launch(Machine(name="one", machine_type="none", memory_mib=64))
        with pytest.raises(InvalidState, match="still running"):
            sup.remove("one")
        assert sup.names() == ["one"]
        assert sup.get("one") is vm
        with pytest.raises(NotFound):
            sup.get("two")
        with pytest.raises(NotFound):
            sup.info("two")
        vm.quit()
        assert sup.info("one").state == VMState.SHUTOFF
        # A stopped VM's name can be launched again.
        again = sup.launch(Machine(name="one", machine_type="none", memory_mib=64))
        assert again.pid != vm.pid
        again.kill()
        assert sup.info("one").reason == "destroyed (killed by signal SIGKILL)"
