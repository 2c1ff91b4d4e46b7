"""Blocking facades over the asyncio core, for scripts and synchronous drivers.

The core is asyncio because QMP is a stream of replies *and* unsolicited events. Callers
that are not async get the same objects through one background event loop thread: each
call is submitted to that loop and waited for, so events keep flowing (and deaths keep
being noticed) between calls. Event callbacks run on the loop thread and must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from hearth.errors import InvalidState
from hearth.qemu.accel import Accel
from hearth.qemu.properties import Parts, Value
from hearth.qemu.qmp import DEFAULT_TIMEOUT, QMP, Event, EventMatch, Subscription
from hearth.qemu.vm import VM, VMExit, VMState

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self, name: str = "hearth-qemu") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (exceptions propagate)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise InvalidState("a blocking hearth.qemu call was made from the event loop thread")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        """Cancel what still runs on the loop (as ``asyncio.run`` does), then stop it.

        A task left pending on a closed loop (e.g. the reaper of a child QEMU that outlives
        its supervisor) would be destroyed while pending and complain at garbage collection.
        """
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            # A task that ignores cancellation must not keep the loop alive: stop it regardless.
            with contextlib.suppress(TimeoutError, RuntimeError):
                self.run(_cancel_others(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _cancel_others() -> None:
    current = asyncio.current_task()
    others = [t for t in asyncio.all_tasks() if t is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class SyncSubscription:
    def __init__(self, sub: Subscription, loop: LoopThread) -> None:
        self._sub = sub
        self._loop = loop

    def get(self, timeout: float | None = DEFAULT_TIMEOUT) -> Event:
        return self._loop.run(self._sub.get(timeout))

    def close(self) -> None:
        self._loop.loop.call_soon_threadsafe(self._sub.close)


class SyncQMP:
    """A blocking QMP session; use :meth:`connect` to open one with its own loop thread."""

    def __init__(self, qmp: QMP, loop: LoopThread, owns_loop: bool = False) -> None:
        self.qmp = qmp
        self._loop = loop
        self._owns_loop = owns_loop

    @classmethod
    def connect(cls, where: socket.socket | str | Path, timeout: float = DEFAULT_TIMEOUT) -> SyncQMP:
        loop = LoopThread("hearth-qmp")

        async def _open() -> QMP:
            qmp = QMP()
            await qmp.connect(where, timeout)
            return qmp

        try:
            return cls(loop.run(_open()), loop, owns_loop=True)
        except BaseException:
            loop.close()
            raise

    @property
    def capabilities(self) -> list[str]:
        return self.qmp.capabilities

    @property
    def sent_commands(self) -> list[tuple[str, str]]:
        return self.qmp.sent_commands

    def execute(
        self,
        command: str,
        arguments: Mapping[str, Any] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> Any:
        return self._loop.run(self.qmp.execute(command, arguments, timeout))

    def execute_and_wait(
        self,
        command: str,
        arguments: Mapping[str, Any] | None,
        event: str | Iterable[str],
        match: EventMatch = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> tuple[Any, Event]:
        return self._loop.run(self.qmp.execute_and_wait(command, arguments, event, match, timeout))

    def wait_event(
        self, names: str | Iterable[str], match: EventMatch = None, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Event:
        return self._loop.run(self.qmp.wait_event(names, match, timeout))

    def subscribe(
        self,
        names: str | Iterable[str] | None = None,
        match: EventMatch = None,
        callback: Callable[[Event], None] | None = None,
    ) -> SyncSubscription:
        async def _sub() -> Subscription:
            return self.qmp.subscribe(names, match, callback)

        return SyncSubscription(self._loop.run(_sub()), self._loop)

    def close(self) -> None:
        self._loop.run(self.qmp.close())
        if self._owns_loop:
            self._loop.close()


class SyncVM:
    """The blocking face of :class:`hearth.qemu.vm.VM`; same methods, same errors."""

    def __init__(self, vm: VM, loop: LoopThread) -> None:
        self.vm = vm
        self._loop = loop
        self.qmp = SyncQMP(vm.qmp, loop)

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return self._loop.run(coro, timeout)

    # facts
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the VM lives on, for callers that want to await :attr:`vm` directly."""
        return self._loop.loop

    @property
    def name(self) -> str:
        return self.vm.name

    @property
    def state(self) -> VMState:
        return self.vm.state

    @property
    def exit(self) -> VMExit | None:
        return self.vm.exit

    @property
    def pid(self) -> int:
        return self.vm.pid

    @property
    def argv(self) -> list[str]:
        return self.vm.argv

    @property
    def console_log(self) -> Path:
        return self.vm.console_log

    @property
    def runtime_dir(self) -> Path:
        return self.vm.runtime.root

    # lifecycle
    def status(self) -> dict[str, Any]:
        return self._run(self.vm.status())

    def pause(self) -> None:
        self._run(self.vm.pause())

    def resume(self) -> None:
        self._run(self.vm.resume())

    def reset(self) -> None:
        self._run(self.vm.reset())

    def powerdown(self, timeout: float | None = 60.0) -> Event | None:
        return self._run(self.vm.powerdown(timeout))

    def wait_exit(self, timeout: float | None = None) -> VMExit:
        return self._run(self.vm.wait_exit(timeout))

    def quit(self, timeout: float = 10.0) -> VMExit:
        return self._run(self.vm.quit(timeout))

    def kill(self, timeout: float = 10.0) -> VMExit:
        return self._run(self.vm.kill(timeout))

    def shutdown(
        self, graceful_timeout: float = 60.0, quit_timeout: float = 10.0, *, press_interval: float = 2.0
    ) -> VMExit:
        return self._run(self.vm.shutdown(graceful_timeout, quit_timeout, press_interval=press_interval))

    def detach(self) -> None:
        self._run(self.vm.detach())

    # devices
    def hotplug(self, parts: Parts, timeout: float = 30.0) -> None:
        self._run(self.vm.hotplug(parts, timeout))

    def unplug(self, device_id: str, timeout: float = 30.0) -> None:
        self._run(self.vm.unplug(device_id, timeout))

    def add_disk(
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
        self._run(
            self.vm.add_disk(
                device_id, path, fmt=fmt, read_only=read_only, serial=serial, bus=bus, timeout=timeout
            )
        )

    def remove_disk(self, device_id: str, timeout: float = 30.0) -> None:
        self._run(self.vm.remove_disk(device_id, timeout))

    def add_nic(
        self,
        device_id: str,
        *,
        netdev: Mapping[str, Value] | None = None,
        mac: str | None = None,
        model: str = "virtio-net-pci",
        bus: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._run(self.vm.add_nic(device_id, netdev=netdev, mac=mac, model=model, bus=bus, timeout=timeout))

    def pass_fd(self, name: str, fd: int) -> None:
        self._run(self.vm.pass_fd(name, fd))

    def close_fd(self, name: str) -> None:
        self._run(self.vm.close_fd(name))

    def remove_nic(self, device_id: str, timeout: float = 30.0) -> None:
        self._run(self.vm.remove_nic(device_id, timeout))

    def free_hotplug_port(self) -> str | None:
        return self._run(self.vm.free_hotplug_port())

    def change_media(
        self, device_id: str, path: str | Path, *, fmt: str = "raw", read_only: bool = True
    ) -> None:
        self._run(self.vm.change_media(device_id, path, fmt=fmt, read_only=read_only))

    def eject(self, device_id: str, force: bool = True) -> None:
        self._run(self.vm.eject(device_id, force))

    def set_balloon(self, target_mib: int, timeout: float | None = 30.0) -> int:
        return self._run(self.vm.set_balloon(target_mib, timeout))

    def balloon_mib(self) -> int:
        return self._run(self.vm.balloon_mib())

    def screendump(self, path: str | Path, fmt: str = "png") -> Path:
        return self._run(self.vm.screendump(path, fmt))

    # queries
    def query_kvm(self) -> dict[str, bool]:
        return self._run(self.vm.query_kvm())

    def accelerator(self) -> Accel:
        return self._run(self.vm.accelerator())

    def query_block(self) -> list[dict[str, Any]]:
        return self._run(self.vm.query_block())

    def query_pci(self) -> list[dict[str, Any]]:
        return self._run(self.vm.query_pci())

    def pci_device_ids(self) -> set[str]:
        return self._run(self.vm.pci_device_ids())
