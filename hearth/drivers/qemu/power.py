"""Turning a guest off at once; the graceful way is ``VM.shutdown`` (repeated power button
presses until a deadline, then quit, then kill), run on the supervisor's loop by observe.py."""

from __future__ import annotations

from hearth.errors import BackendTimeout
from hearth.qemu import SyncVM, VMExit

QUIT_TIMEOUT = 10.0


def force_off(handle: SyncVM, quit_timeout: float = QUIT_TIMEOUT) -> VMExit:
    """Quit QEMU without asking the guest (qcow2 files are closed cleanly); kill if it hangs."""
    try:
        return handle.quit(quit_timeout)
    except BackendTimeout:
        return handle.kill()
