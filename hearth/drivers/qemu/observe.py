"""An instance's state: the lifecycle step on record, checked against the QEMU process.

The row says what was last asked for (PENDING, RUNNING, STOPPING, STOPPED, ERROR); the
supervised process says what is true now. A guest that powered itself off is STOPPED, a QEMU
that died unasked (killed, crashed, guest panic) is ERROR with the reason the supervisor
recorded, and PAUSED is only ever read from QEMU. Whoever observes a finished transition
settles it in the row with a compare-and-set update, so no background thread is needed and a
new driver after a restart sees the same thing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from hearth.errors import HearthError
from hearth.qemu import VMInfo, VMState

from ..caller import Caller, ensure_visible
from ..resources import InstanceState
from .core import QemuBase
from .power import QUIT_TIMEOUT
from .tables import QemuInstance

S = InstanceState


@dataclass(frozen=True)
class Observation:
    state: InstanceState
    reason: str | None
    settle: bool  # True: the row should now record ``state``/``reason``


def observe(recorded: InstanceState, reason: str | None, vm: VMInfo | None, launching: bool) -> Observation:
    """The state to show for a row in ``recorded`` whose QEMU looks like ``vm``."""
    if recorded in (S.STOPPED, S.ERROR):
        return Observation(recorded, reason, False)
    if launching:
        if vm is not None and vm.pid is not None and vm.state is VMState.RUNNING:
            return Observation(S.RUNNING, None, False)
        return Observation(S.PENDING, None, False)
    if vm is None:
        why = (
            "the instance was being started when its managing process ended"
            if recorded is S.PENDING
            else "QEMU's runtime directory for this instance is gone"
        )
        return Observation(S.ERROR, why, True)
    if vm.pid is None:  # QEMU has ended
        if vm.state is VMState.CRASHED and recorded is not S.STOPPING:
            return Observation(S.ERROR, vm.reason or "QEMU ended unexpectedly", True)
        return Observation(S.STOPPED, vm.reason, True)
    if vm.state is VMState.CRASHED:
        return Observation(S.ERROR, vm.reason or "the guest crashed (QEMU is still running)", True)
    if recorded is S.STOPPING:
        return Observation(S.STOPPING, None, False)
    if vm.state is VMState.STARTING:
        return Observation(S.PENDING, None, False)
    if vm.state is VMState.PAUSED:
        return Observation(S.PAUSED, None, recorded is S.PENDING)
    return Observation(S.RUNNING, None, recorded is S.PENDING)


class ObserveOps(QemuBase):
    def _instance_row(self, caller: Caller, instance_id: str) -> QemuInstance:
        with self._read() as s:
            row = s.get(QemuInstance, instance_id)
        ensure_visible(caller, "instance", instance_id, row.owner_id if row else None)
        assert row is not None
        return row

    def _observe_row(self, row: QemuInstance) -> Observation:
        recorded = S(row.state)
        if recorded in (S.STOPPED, S.ERROR):
            return Observation(recorded, row.state_reason, False)
        seen = observe(recorded, row.state_reason, self._vm_info(row.id), row.id in self._launching)
        if seen.settle:
            to_record = S.RUNNING if seen.state is S.PAUSED else seen.state
            if self._settle(row.id, recorded, to_record, seen.reason):
                row.state, row.state_reason = to_record.value, seen.reason
        elif seen.state is S.STOPPING:
            self._ensure_stopping(row.id, row.stop_deadline)
        return seen

    def _settle(
        self, instance_id: str, expected: InstanceState, state: InstanceState, reason: str | None
    ) -> bool:
        """Record ``state`` unless someone changed the row since it was read as ``expected``."""
        with self._write() as s:
            done = s.execute(
                update(QemuInstance)
                .where(QemuInstance.id == instance_id, QemuInstance.state == expected.value)
                .values(state=state.value, state_reason=reason, stop_deadline=None)
            )
            changed = bool(getattr(done, "rowcount", 0))
        if changed and state in (S.STOPPED, S.ERROR):
            self._ended(instance_id)
        return changed

    def _ended(self, instance_id: str) -> None:
        """Hook: the instance was just recorded STOPPED or ERROR (release what its QEMU held)."""

    def _ensure_stopping(self, instance_id: str, deadline: float | None) -> None:
        """A STOPPING instance whose stop nobody drives (e.g. after a restart) gets one again."""
        current = self._stops.get(instance_id)
        if current is not None and not current.done():
            return
        left = max(0.0, (deadline or 0.0) - time.time())
        with contextlib.suppress(HearthError):  # it ended meanwhile: the next read settles it
            self._start_graceful_stop(instance_id, left)

    def _start_graceful_stop(self, instance_id: str, timeout: float) -> None:
        """Run the stop on the supervisor's loop; the caller does not wait for it."""
        handle = self._handle(instance_id)
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(
            handle.vm.shutdown(timeout, QUIT_TIMEOUT, press_interval=self.press_interval), handle.loop
        )
        self._stops[instance_id] = fut

        def forget(done: Future[Any]) -> None:
            if self._stops.get(instance_id) is done:
                del self._stops[instance_id]

        fut.add_done_callback(forget)
