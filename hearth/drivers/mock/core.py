"""What every part of the mock driver shares: the engine, the clock, and store error translation.

Timing is derived at read time: an instance row says "PENDING until t, then RUNNING", and whoever
reads it after t sees RUNNING. No background threads, so the mock is deterministic for a given
clock and survives restarts mid-transition.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from hearth.store import store_errors

from ..base import Feature, Operation
from ..resources import InstanceState
from ..stored import StoredDriver
from .reads import RawRead


@dataclass(frozen=True)
class MockTiming:
    """How long the simulated guest takes; tests shorten these, the server keeps the defaults."""

    boot_seconds: float = 0.5
    shutdown_seconds: float = 0.3


class MockBase(StoredDriver):
    name = "mock"
    # Templates are resolved by the service layer; the mock builds from the resolved spec.
    features = frozenset(
        {
            Feature.templates,
            Feature.user_data,
            Feature.authentication_key,
            Feature.volume_name,
            Feature.instance_count,
            Feature.realm_filter,
            Feature.hardware_profile_overrides,
            Feature.create_stopped,
        }
    )

    def __init__(
        self,
        engine: Engine,
        *,
        timing: MockTiming | None = None,
        clock: Callable[[], float] = time.time,
        owns_engine: bool = False,
    ) -> None:
        super().__init__(engine, owns_engine=owns_engine)
        self.timing = timing or MockTiming()
        self.clock = clock
        self._raw_gets: dict[bool, RawRead] = {}  # compiled on first use, per scoped/unscoped
        # Reading one instance is a single SELECT; with WAL a reader never waits for a writer, so
        # the API may run it on its event loop (see Service.inline_operations).
        self.inline_operations = (
            frozenset({Operation.instances_get}) if _readers_never_wait(engine) else frozenset()
        )

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        """A plain connection for the hot reads: they need no session, only rows."""
        with store_errors(self.store_label), self.engine.connect() as conn:
            yield conn


def _readers_never_wait(engine: Engine) -> bool:
    """True for SQLite in WAL mode: a local file where readers do not block on writers."""
    if engine.dialect.name != "sqlite":
        return False
    with store_errors("the mock driver's store"), engine.connect() as conn:
        return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal"


def effective_state(
    state: str, next_state: str | None, next_at: float | None, now: float
) -> tuple[InstanceState, bool]:
    """The state a reader sees now, and whether a scheduled transition has completed."""
    if next_state is not None and next_at is not None and now >= next_at:
        return InstanceState(next_state), True
    return InstanceState(state), False


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_reenable = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large listing is built.

    Building 10,000 models allocates tens of thousands of young containers; each allocation burst
    triggers collections that rescan the growing batch, which made listing time grow faster than
    the row count. The objects built here hold no cycles, so reference counting frees them anyway.
    Nested and concurrent uses are counted; the collector is re-enabled only if it was on before.
    """
    global _gc_depth, _gc_reenable
    with _gc_lock:
        if _gc_depth == 0:
            _gc_reenable = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_reenable:
                gc.enable()


def serialize_allocations(session: Session, table: str) -> None:
    """Make "pick the first free address, insert it" atomic across concurrent writers.

    SQLite write transactions already hold the database write lock (BEGIN IMMEDIATE); PostgreSQL
    needs the table locked against other allocators (readers are not blocked).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
