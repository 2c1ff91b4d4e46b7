"""Direct control of QEMU: argv from property maps, QMP, lifecycle, supervision.

The layer Kata's govmm plays for Kata, for hosts without libvirt. Import the pieces from
here; the submodules each do one job (see their docstrings).
"""

from hearth.qemu.accel import Accel, kvm_usable, resolve
from hearth.qemu.machine import Argv, FdSetEntry, Firmware, Machine, QmpFd, QmpSocket, render_argv
from hearth.qemu.properties import Backend, Device, Parts, render_options
from hearth.qemu.qmp import QMP, Event, QMPCommandError
from hearth.qemu.supervisor import Supervisor, VMInfo
from hearth.qemu.sync import LoopThread, SyncQMP, SyncVM
from hearth.qemu.vm import VM, LaunchError, VMExit, VMState

__all__ = [
    "QMP",
    "VM",
    "Accel",
    "Argv",
    "Backend",
    "Device",
    "Event",
    "FdSetEntry",
    "Firmware",
    "LaunchError",
    "LoopThread",
    "Machine",
    "Parts",
    "QMPCommandError",
    "QmpFd",
    "QmpSocket",
    "Supervisor",
    "SyncQMP",
    "SyncVM",
    "VMExit",
    "VMInfo",
    "VMState",
    "kvm_usable",
    "render_argv",
    "render_options",
    "resolve",
]
