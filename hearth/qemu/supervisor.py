"""Keeps a set of VMs under one state directory and survives its own restarts.

The supervisor holds no state that is not also on disk: each VM's runtime directory says
how to reach it (QMP socket), which process it is (pidfile + exact argv) and, once it is
gone, how it ended. So a new supervisor on the same directory — after a crash, an upgrade,
a ``kill -9`` — re-attaches to whatever still runs and records what died meanwhile.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from hearth.errors import Conflict, InvalidState, NotFound
from hearth.qemu.machine import Machine, check_vm_name
from hearth.qemu.runtime import RuntimeDir
from hearth.qemu.sync import LoopThread, SyncVM
from hearth.qemu.vm import VM, VMState

_CAPS_DIR = ".caps"


@dataclass(frozen=True)
class VMInfo:
    name: str
    state: VMState
    reason: str | None
    pid: int | None


class Supervisor:
    """Launch, find again and watch VMs whose runtime directories live under ``state_dir``."""

    def __init__(self, state_dir: Path, *, binary: str = "qemu-system-x86_64") -> None:
        self.state_dir = Path(state_dir).absolute()
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.binary = binary
        self._loop = LoopThread("hearth-supervisor")
        self._vms: dict[str, SyncVM] = {}

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def runtime(self, name: str) -> RuntimeDir:
        return RuntimeDir(self.state_dir, name)

    def launch(self, machine: Machine, timeout: float = 30.0) -> SyncVM:
        """Start ``machine``; Conflict if a VM of that name is still running here."""
        name = check_vm_name(machine.name)
        current = self._vms.get(name)
        if current is not None and current.exit is None:
            raise Conflict(f"VM {name!r} is already running", name=name)
        runtime = self.runtime(name)
        if current is None and runtime.exists() and runtime.read_exit() is None:
            try:
                self.attach(name)
            except InvalidState:
                pass  # it had died; its directory may be reused
            else:
                raise Conflict(f"VM {name!r} is already running", name=name)
        vm = self._loop.run(
            VM.launch(
                machine, runtime, binary=self.binary, caps_dir=self.state_dir / _CAPS_DIR, timeout=timeout
            )
        )
        handle = SyncVM(vm, self._loop)
        self._vms[name] = handle
        return handle

    def attach(self, name: str, timeout: float = 10.0) -> SyncVM:
        """Take control of a running VM started by an earlier supervisor.

        InvalidState (with the exit reason) if it is not running any more.
        """
        current = self._vms.get(name)
        if current is not None and current.exit is None:
            return current
        vm = self._loop.run(VM.attach(self.runtime(name), timeout=timeout))
        handle = SyncVM(vm, self._loop)
        self._vms[name] = handle
        return handle

    def attach_all(self) -> dict[str, SyncVM]:
        """Re-attach every VM that still runs; the dead ones get their exit recorded."""
        for name in self.names():
            if self.runtime(name).read_exit() is None:
                with contextlib.suppress(InvalidState):
                    self.attach(name)
        return {n: vm for n, vm in self._vms.items() if vm.exit is None}

    def get(self, name: str) -> SyncVM:
        vm = self._vms.get(name)
        if vm is None:
            raise NotFound(f"VM {name!r} is not managed by this supervisor", name=name)
        return vm

    def names(self) -> list[str]:
        """Every VM with a runtime directory here, running or not."""
        return sorted(p.parent.name for p in self.state_dir.glob("*/launch.json"))

    def info(self, name: str) -> VMInfo:
        """State and, for stopped VMs, why they stopped; re-attaches if needed to know."""
        runtime = self.runtime(name)
        if not runtime.exists():
            raise NotFound(f"no VM named {name!r}", name=name)
        vm = self._vms.get(name)
        if vm is None and runtime.read_exit() is None:
            try:
                vm = self.attach(name)
            except InvalidState:
                vm = None
        if vm is not None and vm.exit is None:
            return VMInfo(name, vm.state, None, vm.pid)
        ended = runtime.read_exit()
        if ended is None:
            raise NotFound(f"VM {name!r} has no recorded state", name=name)
        return VMInfo(name, VMState(ended.state), ended.reason, None)

    def remove(self, name: str) -> None:
        """Delete the runtime directory of a VM that is not running."""
        if self.info(name).state not in (VMState.SHUTOFF, VMState.CRASHED):
            raise InvalidState(f"VM {name!r} is still running", name=name)
        self._vms.pop(name, None)
        shutil.rmtree(self.runtime(name).root)

    def close(self) -> None:
        """Stop supervising; running VMs keep running and can be re-attached later."""
        for vm in list(self._vms.values()):
            if vm.exit is None:
                vm.detach()
        self._vms.clear()
        self._loop.close()
