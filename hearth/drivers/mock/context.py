"""What every part of the mock shares: the store, the simulated guest's timing and the clock.

Timing is derived at read time: an instance row says "PENDING until t, then RUNNING", and whoever
reads it after t sees RUNNING. No background threads, so the mock is deterministic for a given
clock and survives restarts mid-transition — until someone watches its events (``watch``): then
one timer thread emits each transition when it falls due.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from hearth.store import store_errors
from hearth.vocab.instance_states import InstanceState

from ..caller import Caller, ensure_visible
from ..stored import StoreContext
from .reads import RawRead, get_statement
from .tables import MockInstance
from .watch import MockEvents


@dataclass(frozen=True)
class MockTiming:
    """How long the simulated guest takes; tests shorten these, the server keeps the defaults."""

    boot_seconds: float = 0.5
    shutdown_seconds: float = 0.3


# Deltacloud's mock changes an instance's state at once (created RUNNING, stopped STOPPED), and
# tools written against it read the new state right after the call: `--seed deltacloud` is that.
INSTANT = MockTiming(boot_seconds=0.0, shutdown_seconds=0.0)


def effective_state(
    state: str, next_state: str | None, next_at: float | None, now: float
) -> tuple[InstanceState, bool]:
    """The state a reader sees now, and whether a scheduled transition has completed."""
    if next_state is not None and next_at is not None and now >= next_at:
        return InstanceState(next_state), True
    return InstanceState(state), False


class MockContext(StoreContext):
    """The mock's one shared state, handed to every part."""

    def __init__(
        self,
        engine: Engine,
        *,
        timing: MockTiming | None = None,
        clock: Callable[[], float] = time.time,
        owns_engine: bool = False,
    ) -> None:
        super().__init__(engine, "mock", owns_engine=owns_engine)
        self.timing = timing or MockTiming()
        self.clock = clock
        self.events = MockEvents(clock)
        """The event source: actions emit through it; its timer emits scheduled transitions."""
        self._raw_gets: dict[bool, RawRead] = {}  # compiled on first use, per scoped/unscoped
        self.readers_never_wait = _readers_never_wait(engine, self.store_label)
        """Whether a read never waits on a writer, so a single-row read may run on the event loop."""

    def close(self) -> None:
        self.events.close()
        super().close()

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A plain connection for the hot reads: they need no session, only rows."""
        with store_errors(self.store_label), self.engine.connect() as conn:
            yield conn

    def raw_get(self, scoped: bool) -> RawRead:
        """The one-instance read compiled for SQLite's DBAPI (``scoped``: ownership in the WHERE)."""
        read = self._raw_gets.get(scoped)
        if read is None:
            read = self._raw_gets[scoped] = RawRead(self.engine, get_statement(scoped, False))
        return read

    def instance_state(
        self, s: Session, caller: Caller, instance_id: str, lock: bool = False
    ) -> tuple[MockInstance, InstanceState]:
        """The instance row the caller may see (else NotFound) and its state now; the parts
        that act on an instance's NICs, drives, volumes or image all start here."""
        inst = s.get(MockInstance, instance_id, with_for_update=lock)
        ensure_visible(caller, "instance", instance_id, inst.owner_id if inst else None)
        assert inst is not None
        state, _ = effective_state(inst.state, inst.next_state, inst.next_at, self.clock())
        return inst, state


def _readers_never_wait(engine: Engine, store_label: str) -> bool:
    """True for SQLite in WAL mode: a local file where readers do not block on writers."""
    if engine.dialect.name != "sqlite":
        return False
    with store_errors(store_label), engine.connect() as conn:
        return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal"
