"""The auth epoch: one token in ``store_meta`` that changes whenever a credential does.

A server caches login verdicts so keep-alive clients do not pay scrypt on every request; the
cache must still notice, at once, a password changed or a user deleted by another process (the
CLI) sharing the store. Every such change writes a new epoch in the same transaction, and the
cache trusts a verdict only while the epoch it was earned under is still current.

Reading the epoch on every request would add a query per request. On SQLite, ``PRAGMA
data_version`` on a connection of our own tells in about two microseconds whether anyone has
committed anything since we last looked; only then is the epoch read again. Other databases
read the epoch each time (a primary-key lookup).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .models import StoreMeta

EPOCH_KEY = "auth_epoch"
_QUERY = "SELECT value FROM store_meta WHERE key = ?"


def bump_epoch(session: Session) -> None:
    """Give the store a new auth epoch, inside the caller's write transaction."""
    session.merge(StoreMeta(key=EPOCH_KEY, value=secrets.token_hex(16)))


class EpochWatch:
    """The store's current auth epoch, cheaply, from any thread.

    When the store cannot be read, ``current()`` returns a token no verdict carries, so a cache
    comparing against it fails closed (the full password check runs and reports the error).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._lock = threading.Lock()
        self._conn: Any = None  # our own sqlite3 connection, never in a transaction
        self._version: int | None = None
        self._epoch = ""

    def current(self) -> str:
        if not self._sqlite:
            try:
                with self.engine.connect() as conn:
                    value = conn.execute(
                        select(StoreMeta.value).where(StoreMeta.key == EPOCH_KEY)
                    ).scalar_one_or_none()
            except Exception:
                return _unknown()
            return value or ""
        with self._lock:
            try:
                conn = self._connection()
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != self._version:
                    row = conn.execute(_QUERY, (EPOCH_KEY,)).fetchone()
                    self._epoch, self._version = (row[0] if row else ""), version
                return self._epoch
            except Exception:
                self._drop()
                return _unknown()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connection(self) -> Any:
        if self._conn is None:
            cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
            cparams = {**cparams, "check_same_thread": False, "isolation_level": None}
            self._conn = self.engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
            self._version = None
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn, self._version = None, None


def _unknown() -> str:
    return "unknown:" + secrets.token_hex(8)
