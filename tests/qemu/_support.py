"""Helpers shared by the hearth.qemu tests (fixtures live in conftest.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hearth.qemu import Machine, SyncVM
from hearth.qemu import devices as dev
from hearth.testing.guest import GuestImage, wait_for_console

BOOT_TIMEOUT = 90.0


def short_dir(prefix: str) -> Path:
    """A fresh dir under /tmp: unix socket paths are limited to 107 bytes, pytest's can be longer."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def guest_machine(guest: GuestImage, name: str, mode: str = "wait", *, hotplug_ports: int = 0) -> Machine:
    """The test guest as a q35 machine with direct kernel boot and the serial console logged."""
    machine = Machine(
        name=name,
        accel="auto",
        memory_mib=256,
        kernel=guest.kernel,
        initrd=guest.initrd,
        append=guest.append(mode),
    )
    if hotplug_ports:
        machine.add(dev.pcie_root_ports(hotplug_ports))
    return machine


def wait_ready(vm: SyncVM) -> str:
    return wait_for_console(vm.console_log, r"HEARTH-GUEST-READY uptime=", BOOT_TIMEOUT)
