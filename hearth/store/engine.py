"""One engine factory for every store user: SQLite by default, PostgreSQL by changing the URL.

SQLite gets WAL (readers never block the writer), a busy timeout, foreign keys, and write
transactions that start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
writes can fail at once with "database is locked" when another writer got in between, which is
exactly what parallel creates do. Read transactions stay deferred so listings never queue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from hearth.errors import BackendError, Conflict, HearthError, ValidationError

BUSY_TIMEOUT_MS = 30_000
_WRITE = "hearth_write"
# One lock per SQLite database file, taken by every write transaction of this process on it.
_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_LOCK = threading.Lock()


def default_url(state_dir: Path) -> str:
    return f"sqlite:///{(state_dir / 'hearth.db').resolve()}"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError("the database URL is not a valid SQLAlchemy URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValidationError("an in-memory SQLite database cannot be shared; give a file path")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _tune_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    raise ValidationError(f"unsupported database {backend!r}: use sqlite or postgresql", backend=backend)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _writer_lock(engine: Engine) -> threading.RLock | nullcontext[None]:
    """SQLite has one writer at a time. Threads of one process that want it wait here, woken the
    moment it is free, rather than in SQLite's busy handler, which polls with sleeps growing to
    100 ms: under a burst of writes that polling, not the writes, set the throughput and left
    some writers waiting seconds. Other processes on the same file still meet the busy timeout."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url.database)
    lock = _WRITERS.get(key)
    if lock is None:
        with _WRITERS_LOCK:
            lock = _WRITERS.setdefault(key, threading.RLock())
    return lock


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock from the start; commits on success."""
    with _writer_lock(engine), Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={_WRITE: True})
        yield session
        session.commit()


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection whose transaction holds the write lock from the start (as
    ``write_session``); commits on success. For a few plain statements on a hot path, where an
    ORM session costs more than the statements themselves."""
    with _writer_lock(engine), engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection for plain reads (its transaction ends when the block does)."""
    with engine.connect() as conn:
        yield conn


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads; closing it ends the transaction and leaves loaded objects usable."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def store_errors(owner: str) -> Iterator[None]:
    """Turn store failures into typed errors: SQL text and driver exceptions never reach a user.

    ``owner`` names the store in the message ("the key store").
    """
    try:
        yield
    except HearthError:
        raise
    except IntegrityError:
        raise Conflict("the change conflicts with an existing resource") from None
    except SQLAlchemyError as exc:
        raise BackendError(f"{owner} failed ({type(exc).__name__})") from None
