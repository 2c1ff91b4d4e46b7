"""The mock's event source: what its actions did at once, and its scheduled transitions when due.

The mock derives states at read time (``context.effective_state``), so nothing happens at a
transition's time unless someone looks. For the event stream one timer thread of the driver's
emits each scheduled transition (PENDING→RUNNING, STOPPING→STOPPED) when it falls due. The
thread starts with the first subscriber, so a mock nobody watches stays thread-free and
deterministic; an action that replaces a schedule (a forced stop while STOPPING) makes the old
one stale, and a stale entry is dropped when it comes up rather than emitted.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Iterable

from hearth.vocab.instance_states import InstanceState

from ..events import DriverEvent, EventKind, EventSink

log = logging.getLogger(__name__)

SOURCE = "mock"


class MockEvents:
    """Sinks, and the heap of transitions still to come, with the one thread that fires them."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._sinks: list[EventSink] = []
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, str, str, InstanceState]] = []
        self._due: dict[str, int] = {}  # instance id -> the sequence number of its live schedule
        self._seq = 0
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def watched(self) -> bool:
        return bool(self._sinks)

    def subscribe(self, sink: EventSink, pending: Iterable[tuple[str, str, InstanceState, float]]) -> None:
        """Add ``sink``; ``pending`` are the transitions already scheduled in the store
        (instance id, owner, state, due time), scheduled now so none is missed."""
        with self._lock:
            self._sinks.append(sink)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hearth-mock-events", daemon=True)
                self._thread.start()
        for instance_id, owner, state, at in pending:
            self.schedule(instance_id, owner, state, at)

    def unsubscribe(self, sink: EventSink) -> None:
        """Stop calling ``sink`` (the timer thread stays: others may subscribe again)."""
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def emit(self, event: DriverEvent) -> None:
        for sink in list(self._sinks):
            try:
                sink(event)
            except Exception:  # a sink's failure must not undo the action that caused the event
                log.exception("an event sink failed")

    def state(self, instance_id: str, owner: str, state: InstanceState, reason: str | None = None) -> None:
        """Emit that ``instance_id`` is in ``state`` now (cancelling any scheduled transition)."""
        if not self._sinks:
            return
        with self._lock:
            self._due.pop(instance_id, None)
        self.emit(
            DriverEvent(EventKind.instance_state, instance_id, owner, state, reason, SOURCE, self._clock())
        )

    def schedule(self, instance_id: str, owner: str, state: InstanceState, at: float) -> None:
        """Emit ``state`` for ``instance_id`` at ``at``, unless another action comes first."""
        if not self._sinks:
            return
        with self._lock:
            self._seq += 1
            self._due[instance_id] = self._seq
            heapq.heappush(self._heap, (at, self._seq, instance_id, owner, state))
            self._lock.notify()

    def cancel(self, instance_id: str) -> None:
        with self._lock:
            self._due.pop(instance_id, None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._sinks.clear()
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._closed and (not self._heap or self._heap[0][0] > self._clock()):
                    wait = None if not self._heap else max(0.0, self._heap[0][0] - self._clock())
                    self._lock.wait(wait if wait is None else min(wait, 1.0))
                if self._closed:
                    return
                at, seq, instance_id, owner, state = heapq.heappop(self._heap)
                if self._due.get(instance_id) != seq:
                    continue  # replaced by a later action
                del self._due[instance_id]
            self.emit(DriverEvent(EventKind.instance_state, instance_id, owner, state, None, SOURCE, at))


def device_event(instance_id: str, owner: str, device: str, change: str, ident: str) -> DriverEvent:
    """A NIC, medium or volume of ``instance_id`` was ``change``d ("added", "removed", …)."""
    return DriverEvent(
        EventKind.instance_device,
        instance_id,
        owner,
        source=SOURCE,
        time=time.time(),
        detail={"device": device, "change": change, "id": ident},
    )
