"""An instance's state: the lifecycle step on record, checked against the QEMU process.

The row says what was last asked for (PENDING, RUNNING, STOPPING, STOPPED, ERROR); the
supervised process says what is true now. A guest that powered itself off is STOPPED, a QEMU
that died unasked (killed, crashed, guest panic) is ERROR with the reason the supervisor
recorded, and PAUSED is only ever read from QEMU. Whoever observes a finished transition
settles it in the row with a compare-and-set update (``QemuContext.observe_row``), so no
background thread is needed and a new driver after a restart sees the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.qemu import VMInfo, VMState
from hearth.vocab.instance_states import InstanceState

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
