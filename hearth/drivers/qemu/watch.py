"""The qemu driver's event source: QMP events and process exits of the QEMU it supervises.

Each QEMU this driver launches or adopts is followed: QMP's ``STOP``/``RESUME`` (paused,
running), ``SHUTDOWN`` (the guest is going down), ``GUEST_PANICKED`` (error), and the process's
end (stopped, or error when it crashed, with the supervisor's reason). A launch itself is
reported when QEMU is up and running (its first ``RESUME`` comes before anyone can subscribe).
Callbacks run on the QMP event loop and only enqueue; one thread of the driver's looks up the
owner in the store and hands the event to the sink.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from hearth.qemu import SyncVM, VMState
from hearth.qemu.vm import VMExit
from hearth.vocab.instance_states import InstanceState

from ..events import DriverEvent, EventKind, EventSink

log = logging.getLogger(__name__)
SOURCE = "qemu"
S = InstanceState
_QMP_STATES = {
    "STOP": (S.PAUSED, None),
    "RESUME": (S.RUNNING, None),
    "SHUTDOWN": (S.STOPPING, "the guest is shutting down"),
    "GUEST_PANICKED": (S.ERROR, "the guest panicked"),
}

# (instance id, state, reason, when, detail)
_Raw = tuple[str, InstanceState, str | None, float, dict[str, str]]


class QemuEvents:
    """Follows supervised QEMUs and forwards their changes, with their owners, to the sink."""

    def __init__(self, owner_of: Callable[[str], str | None], sink: EventSink) -> None:
        self._owner_of = owner_of
        self._sink = sink
        self._queue: queue.SimpleQueue[_Raw | None] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="hearth-qemu-events", daemon=True).start()

    def launched(self, instance_id: str, handle: SyncVM) -> None:
        """QEMU is up for ``instance_id``: report it and follow it from now on."""
        self.follow(instance_id, handle)
        self._put(instance_id, S.RUNNING, "booted", {"qmp": "launched"})

    def follow(self, instance_id: str, handle: SyncVM) -> None:
        def on_qmp(event: object) -> None:
            name = str(getattr(event, "name", ""))
            mapped = _QMP_STATES.get(name)
            if mapped is not None:
                self._put(instance_id, mapped[0], mapped[1], {"qmp": name})

        def on_exit(_vm: object, how: VMExit) -> None:
            state = S.ERROR if how.state is VMState.CRASHED else S.STOPPED
            self._put(instance_id, state, how.reason, {"qmp": "exit"})

        handle.qmp.subscribe(list(_QMP_STATES), callback=on_qmp)
        handle.vm.on_exit(on_exit)

    def close(self) -> None:
        self._queue.put(None)

    def _put(
        self, instance_id: str, state: InstanceState, reason: str | None, detail: dict[str, str]
    ) -> None:
        self._queue.put((instance_id, state, reason, time.time(), detail))

    def _run(self) -> None:
        while (raw := self._queue.get()) is not None:
            instance_id, state, reason, when, detail = raw
            try:
                owner = self._owner_of(instance_id)
                if owner is not None:
                    self._sink(
                        DriverEvent(
                            EventKind.instance_state, instance_id, owner, state, reason, SOURCE, when, detail
                        )
                    )
            except Exception:  # one bad event must not end the rest
                log.exception("a qemu event could not be forwarded")
