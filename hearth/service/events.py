"""The event hub: one per Service, fed by the backend's own events and the task runner.

Every change is numbered (ids rise monotonically and start from the server's start time in
microseconds, so an id from an earlier run is never mistaken for one of this run), kept in a
bounded ring for ``Last-Event-ID`` resume, and handed to each subscriber that may see it — the
owner of the instance or task, and admins (``hearth.drivers.caller.can_see``, the rule
everywhere). Publishing never blocks the backend: each subscriber has a bounded queue, and one
that falls behind is dropped with a final notice rather than slowing anyone else. A resume point
older than the ring is said so (``StreamReset``), never silently skipped: the client re-lists.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hearth.drivers import Caller
from hearth.drivers.caller import can_see
from hearth.drivers.events import DriverEvent, EventKind

DEFAULT_BUFFER = 4096
DEFAULT_QUEUE = 1024
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Event:
    """A numbered change as subscribers get it: ``kind`` is the SSE ``event:``, ``data`` its JSON."""

    id: int
    kind: str
    owner_id: str | None
    data: dict[str, Any]


def _data(ev: DriverEvent) -> dict[str, Any]:
    subject = "task_id" if ev.kind is EventKind.task_progress else "instance_id"
    data: dict[str, Any] = {
        subject: ev.subject_id,
        "owner_id": ev.owner_id,
        "source": ev.source,
        "time": datetime.fromtimestamp(ev.time, UTC).isoformat(),
    }
    if ev.state is not None:
        data["state"] = ev.state.value
    if ev.kind is EventKind.instance_state:
        data["reason"] = ev.reason
    data.update(ev.detail)
    return data


class Subscription:
    """One subscriber's bounded queue; filled from any thread, read on the event loop."""

    def __init__(self, caller: Caller, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.caller = caller
        self._loop = loop
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: deque[Event] = deque()
        self._ready = asyncio.Event()
        self._signalled = False
        self.dropped = False
        """Set when the queue overflowed: the subscriber missed events and must re-list."""
        self.closed = False

    def _push(self, event: Event) -> None:
        """Called with the hub's lock held; never blocks."""
        with self._lock:
            if self.dropped or self.closed:
                return
            if len(self._queue) >= self._limit:
                self.dropped = True
            else:
                self._queue.append(event)
            self._signal()

    def _close(self) -> None:
        with self._lock:
            self.closed = True
            self._signal()

    def _signal(self) -> None:
        if not self._signalled:
            self._signalled = True
            try:
                self._loop.call_soon_threadsafe(self._ready.set)
            except RuntimeError:  # the loop is gone: nobody is listening any more
                self.closed = True

    async def receive(self, timeout: float) -> list[Event]:
        """What arrived since the last call, waiting up to ``timeout`` for something ([] if
        nothing did). Check ``dropped`` and ``closed`` after each call."""
        with self._lock:
            waiting = not self._queue and not self.dropped and not self.closed
        if waiting:
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return []
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
            self._ready.clear()
            self._signalled = False
        return items


class Changes:
    """A worker thread's wait for the next event about one subject (``EventHub.changes``): what
    a task that waits for an instance to settle blocks on instead of reading it again and again."""

    def __init__(self) -> None:
        self._flag = threading.Event()

    def wait(self, timeout: float) -> bool:
        """Block until an event about the subject was published since the last call (True), or
        ``timeout`` seconds passed without one (False)."""
        fired = self._flag.wait(timeout)
        self._flag.clear()
        return fired


@dataclass(frozen=True, slots=True)
class StreamReset:
    """The resume point is older than what the hub still holds (or from another run)."""

    last_event_id: int
    oldest_id: int | None

    def message(self) -> dict[str, Any]:
        return {
            "last_event_id": self.last_event_id,
            "oldest_event_id": self.oldest_id,
            "message": "events after the given Last-Event-ID are no longer held; "
            "list the collections again, then follow this stream",
        }


class EventHub:
    """Numbers, buffers and fans out events; ``publish`` is the sink handed to the sources."""

    def __init__(
        self,
        *,
        buffer: int = DEFAULT_BUFFER,
        queue_limit: int = DEFAULT_QUEUE,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        if buffer < 1 or queue_limit < 1:
            raise ValueError("the event buffer and queues need room for at least one event")
        self.queue_limit = queue_limit
        self.heartbeat = heartbeat
        """Seconds of quiet after which the stream sends a comment, so proxies keep it open."""
        self.sources: list[str] = []
        """Who feeds the hub (the driver's name when it reports events, "tasks")."""
        self._lock = threading.Lock()
        self._ring: deque[Event] = deque(maxlen=buffer)
        self._next_id = time.time_ns() // 1000
        self._subs: set[Subscription] = set()
        self._changes: dict[str, list[Changes]] = {}  # subject id -> the threads waiting on it

    def publish(self, ev: DriverEvent) -> None:
        """Number ``ev``, keep it, and queue it for every subscriber that may see it."""
        with self._lock:
            event = Event(self._next_id, ev.kind.value, ev.owner_id, _data(ev))
            self._next_id += 1
            self._ring.append(event)
            for sub in self._subs:
                if _visible(sub.caller, event):
                    sub._push(event)
            for changes in self._changes.get(ev.subject_id, ()):
                changes._flag.set()

    @contextmanager
    def changes(self, subject_id: str) -> Iterator[Changes]:
        """Wake the holder on each event about ``subject_id`` (an instance's or a task's id) for
        the length of the block. Taken before the subject is read, so a change between the read
        and the wait is not missed. Inside the server only: no ownership check, nothing leaves."""
        changes = Changes()
        with self._lock:
            self._changes.setdefault(subject_id, []).append(changes)
        try:
            yield changes
        finally:
            with self._lock:
                waiting = self._changes[subject_id]
                waiting.remove(changes)
                if not waiting:
                    del self._changes[subject_id]

    def subscribe(
        self, caller: Caller, last_event_id: int | None = None
    ) -> tuple[Subscription, list[Event], StreamReset | None]:
        """A subscription for ``caller`` on the running loop, the held events after
        ``last_event_id`` it may see, and a reset notice when that point is no longer held."""
        sub = Subscription(caller, asyncio.get_running_loop(), self.queue_limit)
        with self._lock:
            replay, reset = self._since(caller, last_event_id)
            self._subs.add(sub)
        return sub, replay, reset

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)

    @property
    def last_id(self) -> int:
        """The id of the newest event (one below the first when none was published yet)."""
        with self._lock:
            return self._next_id - 1

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        with self._lock:
            subs, self._subs = list(self._subs), set()
        for sub in subs:
            sub._close()

    def _since(self, caller: Caller, last: int | None) -> tuple[list[Event], StreamReset | None]:
        if last is None or last >= self._next_id - 1:
            if last is not None and last > self._next_id - 1:  # not an id this run gave out
                return [], StreamReset(last, self._ring[0].id if self._ring else None)
            return [], None
        oldest = self._ring[0].id if self._ring else self._next_id
        if last < oldest - 1:
            return [], StreamReset(last, oldest if self._ring else None)
        return [e for e in _after(self._ring, last) if _visible(caller, e)], None


def _after(ring: Iterable[Event], last: int) -> list[Event]:
    return [e for e in ring if e.id > last]


def _visible(caller: Caller, event: Event) -> bool:
    if event.owner_id is None:
        return caller.is_admin
    return can_see(caller, event.owner_id)
