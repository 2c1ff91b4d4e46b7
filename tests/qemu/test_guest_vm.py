"""Lifecycle, hotplug and media against one booted test guest (shared by this module).

The checks go both ways where the guest can see the change: QEMU's view (query-block,
query-pci) and the guest's own (the kernel's uevents, printed on the serial console).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.errors import ValidationError
from hearth.qemu import Parts, QMPCommandError, Supervisor, SyncVM, VMState
from hearth.qemu import devices as dev
from hearth.testing.guest import GuestImage, read_marker, wait_for_console
from tests.host import netdevs
from tests.qemu._support import BOOT_TIMEOUT, guest_machine, wait_ready

pytestmark = pytest.mark.guest


@pytest.fixture(scope="module")
def vm(module_supervisor: Supervisor, guest: GuestImage) -> Iterator[SyncVM]:
    machine = guest_machine(guest, "guest1", hotplug_ports=2)
    machine.add(dev.cdrom("cd0")).add(dev.balloon()).add(dev.display())
    handle = module_supervisor.launch(machine)
    wait_ready(handle)
    yield handle


def _console_from(vm: SyncVM, start: int, pattern: str) -> str:
    return wait_for_console(vm.console_log, pattern, BOOT_TIMEOUT, start=start)


def _offset(vm: SyncVM) -> int:
    return vm.console_log.stat().st_size


def _qcow2(path: Path, size: str = "16M") -> Path:
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), size], check=True)
    return path


def test_guest_boots_and_prints_the_marker(vm: SyncVM) -> None:
    uptime = read_marker(vm.console_log.read_text(errors="replace"))
    assert uptime is not None and uptime > 0
    assert vm.status()["status"] == "running"
    assert vm.state == VMState.RUNNING


def test_query_kvm_reports_the_accelerator_really_used(vm: SyncVM) -> None:
    assert vm.query_kvm()["enabled"] is False
    assert vm.accelerator() == "tcg"
    assert "tcg" in vm.argv[vm.argv.index("-accel") + 1]


def test_stop_and_cont(vm: SyncVM) -> None:
    vm.pause()
    assert vm.status() == {"status": "paused", "singlestep": False, "running": False}
    assert vm.state == VMState.PAUSED
    vm.resume()
    assert vm.status()["status"] == "running"
    assert vm.state == VMState.RUNNING


def test_disk_hotplug_and_unplug(vm: SyncVM, tmp_path: Path) -> None:
    image = _qcow2(tmp_path / "extra.qcow2")
    start = _offset(vm)
    vm.add_disk("hd1", image, serial="HEARTH1")
    blocks = {b["qdev"]: b for b in vm.query_block()}
    hd1 = blocks["/machine/peripheral/hd1/virtio-backend"]
    assert hd1["inserted"]["file"] == str(image)
    assert hd1["inserted"]["node-name"] == "drive-hd1"
    assert "hd1" in vm.pci_device_ids()
    _console_from(vm, start, r"UEVENT action=add subsystem=block name=vd")

    start = _offset(vm)
    vm.remove_disk("hd1")
    assert "hd1" not in vm.pci_device_ids()
    assert not any("hd1" in b["qdev"] for b in vm.query_block())
    nodes = vm.qmp.execute("query-named-block-nodes")
    assert not any(n["node-name"] == "drive-hd1" for n in nodes), "blockdev-del must follow the unplug"
    _console_from(vm, start, r"UEVENT action=remove subsystem=block name=vd")
    # The port is free again and the same image can be plugged a second time.
    vm.add_disk("hd1", image)
    vm.remove_disk("hd1")


def test_nic_hotplug_and_unplug(vm: SyncVM) -> None:
    start = _offset(vm)
    vm.add_nic("nic1", mac="52:54:00:aa:bb:01")
    assert "nic1" in vm.pci_device_ids()
    assert (
        vm.qmp.execute("qom-get", {"path": "/machine/peripheral/nic1", "property": "mac"})
        == "52:54:00:aa:bb:01"
    )
    _console_from(vm, start, r"UEVENT action=add subsystem=net name=eth")
    start = _offset(vm)
    vm.remove_nic("nic1")
    assert "nic1" not in vm.pci_device_ids()
    _console_from(vm, start, r"UEVENT action=remove subsystem=net name=eth")
    # The netdev went with it: its id is free for a new one.
    vm.add_nic("nic1")
    vm.remove_nic("nic1")


def test_failed_hotplug_rolls_back_the_backend(vm: SyncVM, tmp_path: Path) -> None:
    image = _qcow2(tmp_path / "rollback.qcow2")
    # Accepted by our checks, refused by QEMU: no such bus.
    with pytest.raises(QMPCommandError, match="no-such-port"):
        vm.add_disk("hd9", image, bus="no-such-port")
    nodes = vm.qmp.execute("query-named-block-nodes")
    assert not any(n["node-name"] == "drive-hd9" for n in nodes)


def test_hotplug_of_a_misspelt_property_is_refused_before_qemu_sees_it(vm: SyncVM) -> None:
    before = len(vm.qmp.sent_commands)
    with pytest.raises(ValidationError, match="has no property 'macaddr'"):
        vm.hotplug(Parts([], [{"driver": "virtio-net-pci", "id": "n9", "macaddr": "x"}]))
    assert len(vm.qmp.sent_commands) == before


def test_cdrom_change_and_eject(vm: SyncVM, tmp_path: Path) -> None:
    first, second = tmp_path / "one.iso", tmp_path / "two.iso"
    first.write_bytes(b"\1" * 2048 * 8)
    second.write_bytes(b"\2" * 2048 * 8)

    def cd() -> dict[str, object]:
        return next(b for b in vm.query_block() if b["qdev"] == "cd0")

    assert "inserted" not in cd()
    vm.change_media("cd0", first)
    assert cd()["inserted"]["file"] == str(first)  # type: ignore[index]
    vm.change_media("cd0", second)
    assert cd()["inserted"]["file"] == str(second)  # type: ignore[index]
    vm.eject("cd0")
    assert "inserted" not in cd()
    assert cd()["tray_open"] is True
    with pytest.raises(ValidationError, match="does not exist"):
        vm.change_media("cd0", tmp_path / "missing.iso")


def test_balloon(vm: SyncVM) -> None:
    assert vm.balloon_mib() == 256
    assert vm.set_balloon(192) == 192
    assert vm.set_balloon(256) == 256


def test_screendump(vm: SyncVM, tmp_path: Path) -> None:
    shot = vm.screendump(tmp_path / "screen.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reset_reboots_the_guest(vm: SyncVM) -> None:
    start = _offset(vm)
    vm.reset()
    line = _console_from(vm, start, r"HEARTH-GUEST-READY uptime=")
    assert read_marker(line) is not None
    assert vm.status()["status"] == "running"


def _open_tap(name: str) -> int:
    """A descriptor on existing tap ``name`` (TUNSETIFF with IFF_TAP | IFF_NO_PI)."""
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH22x", name.encode(), 0x0002 | 0x1000))
    return fd


def _taps_held(pid: int) -> set[str]:
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/net/tun":
                info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
                held.update(line.split()[1] for line in info.splitlines() if line.startswith("iff:"))
    return held


def test_a_descriptor_passed_over_qmp_backs_a_hot_plugged_tap_nic(vm: SyncVM) -> None:
    with netdevs.tap_device() as tap:
        fd = _open_tap(tap)
        try:
            vm.pass_fd("tapfd", fd)  # SCM_RIGHTS + getfd: QEMU has its own copy now
        finally:
            os.close(fd)
        start = _offset(vm)
        vm.add_nic("nic2", netdev={"type": "tap", "fd": "tapfd"}, mac="52:54:00:aa:bb:02")
        assert tap in _taps_held(vm.pid)
        shown = vm.qmp.execute("human-monitor-command", {"command-line": "info network"})
        assert "net-nic2: index=0,type=tap,fd=" in shown
        _console_from(vm, start, r"UEVENT action=add subsystem=net name=eth")
        vm.remove_nic("nic2")
        assert tap not in _taps_held(vm.pid), "netdev_del closes QEMU's copy"

        spare = _open_tap(tap)
        try:
            vm.pass_fd("spare", spare)
        finally:
            os.close(spare)
        vm.close_fd("spare")  # dropped unused: no backend can take it any more
        assert tap not in _taps_held(vm.pid)
        with pytest.raises(QMPCommandError):
            vm.add_nic("nic3", netdev={"type": "tap", "fd": "spare"})
