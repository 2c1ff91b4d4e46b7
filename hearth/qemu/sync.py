"""Blocking facades over the asyncio core, for scripts and synchronous drivers.

The core is asyncio because QMP is a stream of replies *and* unsolicited events. Callers
that are not async get the same objects through one background event loop thread: each
call is submitted to that loop and waited for, so events keep flowing (and deaths keep
being noticed) between calls. Event callbacks run on the loop thread and must not block.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from hearth.errors import InvalidState
from hearth.qemu.qmp import DEFAULT_TIMEOUT, QMP, Event, EventMatch, Subscription
from hearth.qemu.vm import VM, VMExit, VMState

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


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


def _blocking(
    method: Callable[Concatenate[VM, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[SyncVM, P], R]:
    """The blocking twin of a ``VM`` coroutine method, with its very parameters and docstring.

    Writing the twins by hand let them lose parameters (``powerdown``'s ``press_interval``,
    ``unplug``'s ``retry_interval``); made from the method itself, they take what it takes.
    The signature is copied so ``inspect`` and ``help`` show it rather than ``*args, **kwargs``.
    """

    def call(self: SyncVM, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._loop.run(method(self.vm, *args, **kwargs))

    call.__name__ = method.__name__
    call.__qualname__ = f"SyncVM.{method.__name__}"
    call.__doc__ = method.__doc__
    call.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return call


class SyncVM:
    """The blocking face of :class:`hearth.qemu.vm.VM`; same methods, same parameters, same errors.

    Each method is made from ``VM``'s by ``_blocking``; a test checks that every coroutine
    method of ``VM`` has its twin here (the creating classmethods ``launch`` and ``attach``
    are ``Supervisor``'s business).
    """

    def __init__(self, vm: VM, loop: LoopThread) -> None:
        self.vm = vm
        self._loop = loop
        self.qmp = SyncQMP(vm.qmp, loop)

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
    status = _blocking(VM.status)
    pause = _blocking(VM.pause)
    resume = _blocking(VM.resume)
    reset = _blocking(VM.reset)
    powerdown = _blocking(VM.powerdown)
    wait_exit = _blocking(VM.wait_exit)
    quit = _blocking(VM.quit)
    kill = _blocking(VM.kill)
    shutdown = _blocking(VM.shutdown)
    detach = _blocking(VM.detach)

    # devices
    hotplug = _blocking(VM.hotplug)
    unplug = _blocking(VM.unplug)
    add_disk = _blocking(VM.add_disk)
    remove_disk = _blocking(VM.remove_disk)
    add_nic = _blocking(VM.add_nic)
    pass_fd = _blocking(VM.pass_fd)
    close_fd = _blocking(VM.close_fd)
    remove_nic = _blocking(VM.remove_nic)
    free_hotplug_port = _blocking(VM.free_hotplug_port)
    change_media = _blocking(VM.change_media)
    eject = _blocking(VM.eject)
    set_balloon = _blocking(VM.set_balloon)
    balloon_mib = _blocking(VM.balloon_mib)
    screendump = _blocking(VM.screendump)

    # queries
    query_kvm = _blocking(VM.query_kvm)
    accelerator = _blocking(VM.accelerator)
    query_block = _blocking(VM.query_block)
    query_pci = _blocking(VM.query_pci)
    pci_device_ids = _blocking(VM.pci_device_ids)
