"""Turning guests off: at once (``force_off``), or gracefully (``GracefulStops``: repeated power
button presses until a deadline, then quit, then kill, run on the supervisor's loop)."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from hearth.errors import BackendTimeout
from hearth.qemu import SyncVM, VMExit

QUIT_TIMEOUT = 10.0
# How often the power button is pressed again during a graceful stop: a guest still booting
# when it was first pressed never saw it.
PRESS_INTERVAL = 2.0


def force_off(handle: SyncVM, quit_timeout: float = QUIT_TIMEOUT) -> VMExit:
    """Quit QEMU without asking the guest (qcow2 files are closed cleanly); kill if it hangs."""
    try:
        return handle.quit(quit_timeout)
    except BackendTimeout:
        return handle.kill()


class GracefulStops:
    """The graceful stops under way, at most one per instance. The caller of a stop does not
    wait for it, so they are kept here to be cancelled (a forced stop, a destroy, closing) and
    so that a STOPPING instance nobody is stopping (after a restart) can be told apart."""

    def __init__(self, press_interval: float = PRESS_INTERVAL) -> None:
        self.press_interval = press_interval
        self._running: dict[str, Future[Any]] = {}

    def start(self, instance_id: str, handle: SyncVM, timeout: float) -> None:
        """Run ``VM.shutdown`` on the supervisor's loop; returns at once."""
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(
            handle.vm.shutdown(timeout, QUIT_TIMEOUT, press_interval=self.press_interval), handle.loop
        )
        self._running[instance_id] = fut

        def forget(done: Future[Any]) -> None:
            if self._running.get(instance_id) is done:
                del self._running[instance_id]

        fut.add_done_callback(forget)

    def under_way(self, instance_id: str) -> bool:
        current = self._running.get(instance_id)
        return current is not None and not current.done()

    def cancel(self, instance_id: str) -> None:
        fut = self._running.pop(instance_id, None)
        if fut is not None:
            fut.cancel()

    def cancel_all(self) -> None:
        for fut in list(self._running.values()):
            fut.cancel()
