"""One running VM: launch or re-attach, lifecycle, hotplug, media, and how it ended.

The VM's state is kept from what QEMU says (QMP events and ``query-status``) and from the
process itself, never from what we last asked for: a guest can pause on an I/O error or
power itself off, and QEMU can be killed by anyone. When the process ends, the exit is
classified once (a guest shutdown or a quit is ``shutoff``; a signal or error exit nobody
asked for is ``crashed``) and written to the runtime directory for whoever looks next.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import resource
import signal
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from hearth.errors import (
    BackendError,
    BackendTimeout,
    HearthError,
    InvalidState,
    NotFound,
    NotSupported,
    ValidationError,
)
from hearth.qemu import caps as caps_mod
from hearth.qemu import devices
from hearth.qemu.accel import Accel, resolve
from hearth.qemu.firmware import ensure_nvram
from hearth.qemu.machine import CONSOLE_CHARDEV, Machine, QmpFd, QmpSocket, render_argv
from hearth.qemu.process import AttachedProcess, ProcessExit, QemuProcess, running_cmdline, spawn, zombie_exit
from hearth.qemu.properties import Backend, Parts, Value
from hearth.qemu.qmp import QMP, Event, QMPCommandError
from hearth.qemu.runtime import RuntimeDir
from hearth.qemu.validate import check_backend, check_device, check_file, check_machine, object_types

MiB = 1024 * 1024
_DELETE = {
    "blockdev": ("blockdev-del", "node-name"),
    "netdev": ("netdev_del", "id"),
    "object": ("object-del", "id"),
}


def _allow_memory_lock(needed: int) -> None:
    """Raise this process's RLIMIT_MEMLOCK (inherited by QEMU) so ``mem-lock=on`` can lock the
    guest's RAM; QEMU itself only warns when it cannot, so an unlockable guest is refused here."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    want = resource.RLIM_INFINITY
    try:
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (want, want))
        return
    except (ValueError, OSError):
        pass
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise NotSupported(
            f"locking the guest's memory (<memoryBacking><locked/>) needs RLIMIT_MEMLOCK of at least"
            f" {needed // MiB} MiB, but this process may lock only {hard // 1024} KiB",
            limit=hard,
        )
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (hard, hard))


class VMState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    SHUTOFF = "shutoff"
    CRASHED = "crashed"


_CRASHED_STATUS = {"guest-panicked", "internal-error"}
_SHUTDOWN_REASONS = {
    "guest-shutdown": "the guest powered off",
    "host-qmp-quit": "quit over QMP",
    "host-qmp-system-reset": "reset over QMP with -no-reboot",
    "host-signal": "QEMU stopped by a signal",
    "host-ui": "closed from the QEMU UI",
    "guest-reset": "the guest reset with -no-reboot",
    "guest-panic": "the guest panicked",
    "subsystem-reset": "reset by a subsystem with -no-reboot",
}


@dataclasses.dataclass(frozen=True)
class VMExit:
    state: VMState
    reason: str
    returncode: int | None = None
    signal: int | None = None


class LaunchError(BackendError):
    """QEMU did not come up; carries its stderr and the exact argv used."""

    def __init__(self, message: str, *, argv: list[str], stderr: str) -> None:
        super().__init__(message, argv=argv, stderr=stderr)
        self.argv = argv
        self.stderr = stderr


class VM:
    """Control of one QEMU process over QMP. Create with :meth:`launch` or :meth:`attach`."""

    def __init__(
        self, runtime: RuntimeDir, process: QemuProcess, qmp: QMP, argv: list[str], accel: str
    ) -> None:
        self.runtime = runtime
        self.name = runtime.name
        self.process = process
        self.qmp = qmp
        self.argv = argv
        self.accel = accel
        self.console_log = console_path(argv) or runtime.console_log
        self._state = VMState.STARTING
        self._exit: VMExit | None = None
        self._exited = asyncio.Event()
        self._shutdown: Mapping[str, Any] | None = None
        self._expected: str | None = None
        self._lock = asyncio.Lock()
        self._place_lock = asyncio.Lock()
        self._caps: caps_mod.Capabilities | None = None
        self._exit_callbacks: list[Callable[[VM, VMExit], None]] = []
        self._events = qmp.subscribe(callback=self._on_event)
        self._watch = asyncio.get_running_loop().create_task(
            self._watch_exit(), name=f"hearth-vm-{self.name}"
        )

    # -- creation -------------------------------------------------------------------

    @classmethod
    async def launch(
        cls,
        machine: Machine,
        runtime: RuntimeDir,
        *,
        binary: str = "qemu-system-x86_64",
        caps_dir: Path | None = None,
        timeout: float = 30.0,
    ) -> VM:
        """Validate, start QEMU, and connect QMP over a socketpair.

        A second monitor listens on the runtime directory's socket so a later manager can
        re-attach. The pidfile always lives in the runtime directory, and so does the console
        log unless the machine names one. Nothing is started or written when validation fails.
        """
        accel = resolve(machine.accel)
        loop = asyncio.get_running_loop()
        caps = await loop.run_in_executor(
            None, functools.partial(caps_mod.load, binary, caps_dir, object_types(machine.backends))
        )
        check_machine(machine, caps)
        m = dataclasses.replace(
            machine, pidfile=runtime.pidfile, console_log=machine.console_log or runtime.console_log
        )
        render_argv(m, accel=accel, binary=binary)  # the remaining checks, before anything is touched
        if m.mem_lock:
            _allow_memory_lock(m.memory_mib * MiB)
        if m.firmware is not None and m.firmware.vars is not None:
            ensure_nvram(m.firmware.vars, m.firmware.vars_template)
        runtime.prepare()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            argv = render_argv(
                m,
                accel=accel,
                binary=binary,
                monitors=[QmpFd(theirs.fileno()), QmpSocket(runtime.qmp_socket)],
            )
            runtime.write_launch(argv.args, accel)
            proc = await spawn(
                argv, cwd=runtime.root, stdout=runtime.stdout_log, stderr=runtime.stderr_log, env=m.env
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        qmp = QMP(f"hearth-{m.name}")
        try:
            await cls._connect_or_fail(qmp, ours, proc, argv.args, runtime, timeout)
        except BaseException:
            ours.close()
            raise
        vm = cls(runtime, proc, qmp, argv.args, accel)
        vm._caps = caps
        await vm.status()
        return vm

    @staticmethod
    async def _connect_or_fail(
        qmp: QMP, sock: socket.socket, proc: QemuProcess, argv: list[str], runtime: RuntimeDir, timeout: float
    ) -> None:
        connect = asyncio.ensure_future(qmp.connect(sock, timeout))
        died = asyncio.ensure_future(proc.wait())
        await asyncio.wait({connect, died}, return_when=asyncio.FIRST_COMPLETED)
        if connect.done() and connect.exception() is None:
            died.cancel()
            return
        error = connect.exception() if connect.done() else None
        if not connect.done():
            connect.cancel()
            with contextlib.suppress(BaseException):
                await connect
        ended = await proc.wait(5.0)
        died.cancel()
        if ended is None:
            proc.send_signal(signal.SIGKILL)
            await proc.wait(5.0)
            stderr = runtime.stderr_tail()
            raise LaunchError(
                f"QEMU started but its monitor did not answer ({error}); it was killed",
                argv=argv,
                stderr=stderr,
            )
        stderr = runtime.stderr_tail()
        runtime.write_exit(VMState.CRASHED, f"failed to start: {stderr}", ended.returncode, ended.signal)
        raise LaunchError(
            f"QEMU failed to start ({ended.describe()}): {stderr or 'no error output'}",
            argv=argv,
            stderr=stderr,
        )

    @classmethod
    async def attach(cls, runtime: RuntimeDir, *, timeout: float = 10.0) -> VM:
        """Find a VM a previous manager started and take over its control."""
        record = runtime.read_launch()
        if record is None:
            raise NotFound(f"no VM named {runtime.name!r} in {runtime.root.parent}", name=runtime.name)
        ended = runtime.read_exit()
        if ended is not None:
            raise InvalidState(f"VM {runtime.name!r} is not running: {ended.reason}", state=ended.state)
        pid = runtime.read_pid()
        proc: AttachedProcess | None = None
        if pid is not None:
            with contextlib.suppress(NotFound):
                proc = AttachedProcess(pid)
        if proc is None or pid is None or running_cmdline(pid) != record.argv:
            if proc is not None:
                proc.close()  # a reused pid: someone else's process
            gone = zombie_exit(pid) if pid is not None else ProcessExit()
            reason = f"QEMU {gone.describe()} while no manager was watching"
            runtime.write_exit(VMState.CRASHED, reason, gone.returncode, gone.signal)
            raise InvalidState(f"VM {runtime.name!r} is not running: {reason}", state=VMState.CRASHED)
        qmp = QMP(f"hearth-{runtime.name}")
        try:
            await qmp.connect(runtime.qmp_socket, timeout)
        except HearthError:
            proc.close()
            raise
        vm = cls(runtime, proc, qmp, record.argv, record.accel)
        await vm.status()
        return vm

    async def _capabilities(self, objects: Iterable[str] = ()) -> caps_mod.Capabilities:
        wanted = list(objects)
        if self._caps is None or any(t not in self._caps.object_props for t in wanted):
            loop = asyncio.get_running_loop()
            load = functools.partial(caps_mod.load, self.argv[0], None, wanted)
            self._caps = await loop.run_in_executor(None, load)
        return self._caps

    # -- state ----------------------------------------------------------------------

    @property
    def state(self) -> VMState:
        return self._exit.state if self._exit is not None else self._state

    @property
    def exit(self) -> VMExit | None:
        return self._exit

    @property
    def pid(self) -> int:
        return self.process.pid

    def on_exit(self, callback: Callable[[VM, VMExit], None]) -> None:
        """Call ``callback`` (on the event loop) once QEMU has ended and the exit is recorded."""
        if self._exit is not None:
            callback(self, self._exit)
        else:
            self._exit_callbacks.append(callback)

    def _on_event(self, event: Event) -> None:
        if event.name == "STOP":
            self._state = VMState.PAUSED
        elif event.name == "RESUME":
            self._state = VMState.RUNNING
        elif event.name == "SHUTDOWN":
            self._shutdown = event.data
        elif event.name == "GUEST_PANICKED":
            self._state = VMState.CRASHED

    async def _watch_exit(self) -> None:
        ended = await self.process.wait()
        assert ended is not None
        # QMP hangs up after its last events; wait for them, they explain the exit.
        await self.qmp.wait_closed(2.0)
        info = self._classify(ended)
        # On disk first: whoever sees ``exit`` set may go and read the record.
        self.runtime.write_exit(info.state, info.reason, info.returncode, info.signal)
        self._exit = info
        for callback in self._exit_callbacks:
            callback(self, info)
        self._exited.set()
        await self.qmp.close()

    def _classify(self, ended: ProcessExit) -> VMExit:
        codes = {"returncode": ended.returncode, "signal": ended.signal}
        if self._shutdown is not None:
            why = str(self._shutdown.get("reason", ""))
            text = _SHUTDOWN_REASONS.get(why, why or "QEMU shut down")
            crashed = why == "guest-panic" or self._state == VMState.CRASHED
            return VMExit(VMState.CRASHED if crashed else VMState.SHUTOFF, text, **codes)
        if self._expected is not None:
            return VMExit(VMState.SHUTOFF, f"{self._expected} ({ended.describe()})", **codes)
        if ended.returncode == 0:
            return VMExit(VMState.SHUTOFF, "QEMU exited", **codes)
        tail = self.runtime.stderr_tail(500)
        reason = f"QEMU {ended.describe()} unexpectedly" + (f": {tail}" if tail else "")
        return VMExit(VMState.CRASHED, reason, **codes)

    async def status(self) -> dict[str, Any]:
        """``query-status``, also refreshing :attr:`state`."""
        result: dict[str, Any] = await self.qmp.execute("query-status")
        status = result.get("status")
        if status in _CRASHED_STATUS:
            self._state = VMState.CRASHED
        elif status == "shutdown":
            self._state = VMState.SHUTOFF
        else:
            self._state = VMState.RUNNING if result.get("running") else VMState.PAUSED
        return result

    def _require_alive(self) -> None:
        if self._exit is not None:
            raise InvalidState(
                f"VM {self.name!r} is {self._exit.state}: {self._exit.reason}", state=self._exit.state
            )

    # -- lifecycle ------------------------------------------------------------------

    async def pause(self) -> None:
        self._require_alive()
        await self.qmp.execute("stop")
        self._state = VMState.PAUSED

    async def resume(self) -> None:
        self._require_alive()
        await self.qmp.execute("cont")
        self._state = VMState.RUNNING

    async def reset(self) -> None:
        self._require_alive()
        await self.qmp.execute("system_reset")

    async def powerdown(self, timeout: float | None = 60.0, *, press_interval: float = 2.0) -> Event | None:
        """Press the ACPI power button; with a timeout, wait for the guest's SHUTDOWN.

        While waiting, the button is pressed again every ``press_interval`` seconds: a guest
        still booting has no ACPI handler yet and drops the press for good.
        """
        self._require_alive()
        if timeout is None:
            await self.qmp.execute("system_powerdown")
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.qmp.listen("SHUTDOWN") as sub:
            while True:
                await self.qmp.execute("system_powerdown")
                left = deadline - loop.time()
                try:
                    event: Event = await sub.get(max(0.0, min(press_interval, left)))
                    return event
                except BackendTimeout:
                    if loop.time() >= deadline:
                        raise BackendTimeout(
                            f"system_powerdown was accepted but SHUTDOWN did not follow within {timeout}s",
                            command="system_powerdown",
                            timeout=timeout,
                        ) from None

    async def wait_exit(self, timeout: float | None = None) -> VMExit:
        """Wait for QEMU to end; BackendTimeout if it is still running after ``timeout``."""
        try:
            await asyncio.wait_for(self._exited.wait(), timeout)
        except TimeoutError:
            raise BackendTimeout(
                f"VM {self.name!r} still running after {timeout}s", timeout=timeout
            ) from None
        assert self._exit is not None
        return self._exit

    async def _ended_within(self, timeout: float) -> bool:
        with contextlib.suppress(BackendTimeout):
            await self.wait_exit(timeout)
            return True
        return False

    async def quit(self, timeout: float = 10.0) -> VMExit:
        """Stop QEMU at once, without asking the guest."""
        if self._exit is not None:
            return self._exit
        self._expected = "quit"
        with contextlib.suppress(BackendError, InvalidState):
            await self.qmp.execute("quit", timeout=timeout)
        return await self.wait_exit(timeout)

    async def kill(self, timeout: float = 10.0) -> VMExit:
        """SIGKILL QEMU (the last resort; recorded as a deliberate stop, not a crash)."""
        if self._exit is not None:
            return self._exit
        self._expected = self._expected or "destroyed"
        self.process.send_signal(signal.SIGKILL)
        return await self.wait_exit(timeout)

    async def shutdown(
        self, graceful_timeout: float = 60.0, quit_timeout: float = 10.0, *, press_interval: float = 2.0
    ) -> VMExit:
        """Power button until the guest is gone or ``graceful_timeout`` passes, then ``quit``,
        then SIGKILL.

        The button is pressed again every ``press_interval`` seconds: a guest that was still
        booting at the first press drops it for good, and would be forced off although it
        would have shut down cleanly.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + graceful_timeout
        while self._exit is None and (left := deadline - loop.time()) > 0:
            with contextlib.suppress(BackendError, BackendTimeout, InvalidState):
                await self.qmp.execute("system_powerdown")
            if await self._ended_within(min(press_interval, left)):
                break
        if self._exit is not None:
            return self._exit
        self._expected = "quit after the guest ignored the power button"
        with contextlib.suppress(BackendError, BackendTimeout, InvalidState):
            await self.qmp.execute("quit", timeout=quit_timeout)
        if await self._ended_within(quit_timeout):
            assert self._exit is not None
            return self._exit
        self._expected = "killed after quit timed out"
        return await self.kill()

    async def detach(self) -> None:
        """Stop managing the VM (it keeps running); another manager may attach later."""
        self._watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._watch
        self._events.close()
        await self.qmp.close()
        if isinstance(self.process, AttachedProcess):
            self.process.close()

    # -- hotplug --------------------------------------------------------------------

    async def hotplug(self, parts: Parts, timeout: float = 30.0) -> None:
        """Add backends then devices; on any failure undo what was added."""
        self._require_alive()
        caps = await self._capabilities(object_types(parts.backends))
        for backend in parts.backends:
            check_backend(backend, caps)
        for device in parts.devices:
            check_device(device, caps)
            if not isinstance(device.get("id"), str):
                raise ValidationError(
                    f"hot-plugged device {device['driver']!r} needs an id to be unplugged later"
                )
        async with self._lock:
            added_backends: list[Backend] = []
            added_devices: list[str] = []
            try:
                for backend in parts.backends:
                    await self._add_backend(backend, timeout)
                    added_backends.append(backend)
                for device in parts.devices:
                    await self.qmp.execute("device_add", device, timeout)
                    added_devices.append(str(device["id"]))
            except HearthError:
                for dev_id in reversed(added_devices):
                    with contextlib.suppress(HearthError):
                        await self.unplug(dev_id, timeout)
                for backend in reversed(added_backends):
                    with contextlib.suppress(HearthError):
                        await self._del_backend(backend.kind, backend.id, timeout)
                raise

    async def _add_backend(self, backend: Backend, timeout: float) -> None:
        command = {"blockdev": "blockdev-add", "netdev": "netdev_add", "object": "object-add"}.get(
            backend.kind
        )
        if command is None:
            raise NotSupported(f"hot-adding a {backend.kind} backend is not supported")
        await self.qmp.execute(command, backend.props, timeout)

    async def _del_backend(self, kind: str, ident: str, timeout: float) -> None:
        name, key = _DELETE[kind]
        await self.qmp.execute(name, {key: ident}, timeout)

    async def unplug(self, device_id: str, timeout: float = 30.0, *, retry_interval: float = 3.0) -> None:
        """``device_del`` and wait until QEMU (and the guest) really released the device.

        The request is repeated every ``retry_interval`` seconds: a guest still booting misses
        the eject notification and would otherwise keep the device for good.
        """
        self._require_alive()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with self.qmp.listen("DEVICE_DELETED", {"device": device_id}) as sub:
            first = True
            while True:
                try:
                    await self.qmp.execute("device_del", {"id": device_id})
                except QMPCommandError as exc:
                    if first:
                        raise
                    if exc.details.get("error_class") == "DeviceNotFound":
                        return  # released between two requests
                    # anything else on a repeat (e.g. "already in the process of unplug"): keep waiting
                first = False
                left = deadline - loop.time()
                try:
                    await sub.get(max(0.0, min(retry_interval, left)))
                    return
                except BackendTimeout:
                    if loop.time() >= deadline:
                        raise BackendTimeout(
                            f"device_del was accepted but DEVICE_DELETED for {device_id} did not follow "
                            f"within {timeout}s",
                            command="device_del",
                            timeout=timeout,
                        ) from None

    async def _device_link(self, device_id: str, prop: str) -> str | None:
        try:
            value = await self.qmp.execute(
                "qom-get", {"path": f"/machine/peripheral/{device_id}", "property": prop}
            )
        except BackendError as exc:
            raise NotFound(f"VM {self.name!r} has no device {device_id!r}", device=device_id) from exc
        return value if isinstance(value, str) and value else None

    async def free_hotplug_port(self) -> str | None:
        """The id of an empty PCI(e) bridge/root port to plug into, or None for the root bus."""
        for bus in await self.query_pci():
            port = _empty_bridge(bus.get("devices", []))
            if port is not None:
                return port
        return None

    async def add_disk(
        self,
        device_id: str,
        path: str | Path,
        *,
        fmt: str = "qcow2",
        read_only: bool = False,
        serial: str | None = None,
        bus: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Hot-add a virtio disk (blockdev-add + device_add) on a free hot-plug port."""
        async with self._placement():
            port = bus or await self.free_hotplug_port()
            parts = devices.disk(
                device_id, path, fmt=fmt, read_only=read_only, serial=serial, controller_bus=port
            )
            await self.hotplug(parts, timeout)

    async def remove_disk(self, device_id: str, timeout: float = 30.0) -> None:
        """Hot-remove a disk (device_del, wait for DEVICE_DELETED, blockdev-del)."""
        node = await self._device_link(device_id, "drive")
        await self.unplug(device_id, timeout)
        if node is not None:
            await self._del_backend("blockdev", node, timeout)

    async def add_nic(
        self,
        device_id: str,
        *,
        netdev: Mapping[str, Value] | None = None,
        mac: str | None = None,
        model: str = "virtio-net-pci",
        bus: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Hot-add a NIC (netdev_add + device_add); user-mode networking by default."""
        async with self._placement():
            port = bus or await self.free_hotplug_port()
            await self.hotplug(
                devices.nic(device_id, netdev=netdev, mac=mac, model=model, controller_bus=port), timeout
            )

    async def pass_fd(self, name: str, fd: int) -> None:
        """Hand QEMU an open descriptor under ``name``, for a backend to take (a NIC's tap)."""
        self._require_alive()
        await self.qmp.pass_fd(fd, name)

    async def close_fd(self, name: str) -> None:
        """Drop a descriptor passed under ``name`` that no backend took."""
        self._require_alive()
        await self.qmp.execute("closefd", {"fdname": name})

    async def remove_nic(self, device_id: str, timeout: float = 30.0) -> None:
        netdev = await self._device_link(device_id, "netdev")
        await self.unplug(device_id, timeout)
        if netdev is not None:
            await self._del_backend("netdev", netdev, timeout)

    @contextlib.asynccontextmanager
    async def _placement(self) -> AsyncIterator[None]:
        # Picking a free port and plugging into it must not interleave with another plug.
        async with self._place_lock:
            yield

    # -- media, balloon, screen -------------------------------------------------------

    async def change_media(
        self, device_id: str, path: str | Path, *, fmt: str = "raw", read_only: bool = True
    ) -> None:
        """Insert (or replace) the medium of a removable drive (blockdev-change-medium)."""
        self._require_alive()
        check_file(Path(path), "medium")
        args = {"id": device_id, "filename": str(path), "format": fmt}
        args["read-only-mode"] = "read-only" if read_only else "read-write"
        await self.qmp.execute("blockdev-change-medium", args)

    async def eject(self, device_id: str, force: bool = True) -> None:
        self._require_alive()
        await self.qmp.execute("eject", {"id": device_id, "force": force})

    async def set_balloon(self, target_mib: int, timeout: float | None = 30.0) -> int:
        """Ask the guest to shrink/grow to ``target_mib``; with a timeout, wait until it has."""
        self._require_alive()
        target = int(target_mib) * MiB
        if timeout is None:
            await self.qmp.execute("balloon", {"value": target})
            return await self.balloon_mib()
        with self.qmp.listen("BALLOON_CHANGE", lambda e: e.data.get("actual") == target) as sub:
            await self.qmp.execute("balloon", {"value": target})
            if await self.balloon_mib() != target_mib:
                await sub.get(timeout)
        return await self.balloon_mib()

    async def balloon_mib(self) -> int:
        info = await self.qmp.execute("query-balloon")
        return int(info["actual"]) // MiB

    async def screendump(self, path: str | Path, fmt: str = "png") -> Path:
        self._require_alive()
        await self.qmp.execute("screendump", {"filename": str(path), "format": fmt})
        return Path(path)

    # -- queries ----------------------------------------------------------------------

    async def query_kvm(self) -> dict[str, bool]:
        result: dict[str, bool] = await self.qmp.execute("query-kvm")
        return result

    async def accelerator(self) -> Accel:
        """What really runs the guest, as QEMU reports it (not what was requested)."""
        return "kvm" if (await self.query_kvm()).get("enabled") else "tcg"

    async def query_block(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.qmp.execute("query-block")
        return result

    async def query_pci(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.qmp.execute("query-pci")
        return result

    async def pci_device_ids(self) -> set[str]:
        """qdev ids of every PCI device, however deep behind bridges."""
        ids: set[str] = set()
        for bus in await self.query_pci():
            ids.update(_walk_ids(bus.get("devices", [])))
        return ids


def console_path(argv: list[str]) -> Path | None:
    """Where the serial console of a VM started with ``argv`` is logged."""
    for i, arg in enumerate(argv[:-1]):
        if arg == "-chardev" and f",id={CONSOLE_CHARDEV}," in argv[i + 1]:
            options = _options(argv[i + 1])
            logged = options.get("logfile", options.get("path"))  # a socket's log, or the file
            return Path(logged) if logged is not None else None
    return None


def _options(arg: str) -> dict[str, str]:
    """``key=value`` options of one QEMU option string, commas doubled inside values."""
    found: dict[str, str] = {}
    for item in arg.replace(",,", "\0").split(","):
        key, sep, value = item.partition("=")
        if sep:
            found[key] = value.replace("\0", ",")
    return found


def _walk_ids(devs: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for dev in devs:
        if dev.get("qdev_id"):
            yield str(dev["qdev_id"])
        bridge = dev.get("pci_bridge")
        if bridge:
            yield from _walk_ids(bridge.get("devices", []))


def _empty_bridge(devs: Iterable[Mapping[str, Any]]) -> str | None:
    for dev in devs:
        bridge = dev.get("pci_bridge")
        if not bridge:
            continue
        children = bridge.get("devices", [])
        if not children and dev.get("qdev_id"):
            return str(dev["qdev_id"])
        found = _empty_bridge(children)
        if found is not None:
            return found
    return None
