"""Turning a guest off: politely with a deadline, or at once.

A graceful stop presses the ACPI power button and, unlike a single press, presses it again every
few seconds until the deadline: a guest that was still booting when it was first pressed (no
button driver yet, nobody reading the event) would otherwise ignore the request and be forced
off although it would have shut down cleanly. After the deadline QEMU is told to quit, and
killed if even that does not end it. The coroutine runs on the supervisor's event loop, so the
caller returns at once with the instance STOPPING.
"""

from __future__ import annotations

import asyncio
import contextlib

from hearth.errors import BackendTimeout, HearthError
from hearth.qemu import VM, SyncVM, VMExit

QUIT_TIMEOUT = 10.0


async def graceful_stop(
    vm: VM, timeout: float, *, press_interval: float = 2.0, quit_timeout: float = QUIT_TIMEOUT
) -> VMExit:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while vm.exit is None:
        left = deadline - loop.time()
        if left <= 0:
            break
        with contextlib.suppress(HearthError):
            await vm.powerdown(timeout=None)
        with contextlib.suppress(BackendTimeout):
            return await vm.wait_exit(min(press_interval, left))
    if vm.exit is not None:
        return vm.exit
    with contextlib.suppress(BackendTimeout):
        return await vm.quit(quit_timeout)
    return await vm.kill()


def force_off(handle: SyncVM, quit_timeout: float = QUIT_TIMEOUT) -> VMExit:
    """Quit QEMU without asking the guest (qcow2 files are closed cleanly); kill if it hangs."""
    try:
        return handle.quit(quit_timeout)
    except BackendTimeout:
        return handle.kill()
