"""One libvirt connection per host, reopened by itself when libvirtd goes away and comes back.

Every call goes through ``Link.run``: if it fails because the connection is dead (libvirtd was
restarted, the socket closed), the link reconnects and runs the call once more. A dead
connection never delivered the request, so the retry does not repeat an applied change; an
error on a live connection is the operation's own and is raised as a typed error.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import libvirt

from hearth.errors import BackendError

from .config import Host
from .errors import CONNECTION_LOST, libvirt_message, translate

T = TypeVar("T")
log = logging.getLogger(__name__)
# How long a reconnect keeps trying (libvirtd takes a moment to come back after a restart).
RECONNECT_SECONDS = 10.0


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt prints every error to stderr by default; ours are raised as exceptions instead."""


libvirt.registerErrorHandler(_quiet, None)


class Link:
    def __init__(self, host: Host) -> None:
        self.host = host
        self._conn: libvirt.virConnect | None = None
        self._lock = threading.Lock()
        self.reconnects = 0  # for tests and diagnostics
        self._is_test: bool | None = None

    @property
    def conn(self) -> libvirt.virConnect:
        with self._lock:
            if self._conn is None:
                self._conn = self._open()
            return self._conn

    def _open(self) -> libvirt.virConnect:
        deadline = time.monotonic() + RECONNECT_SECONDS
        while True:
            try:
                conn = libvirt.open(self.host.uri)
            except libvirt.libvirtError as exc:
                if time.monotonic() >= deadline:
                    where = f"{self.host.uri} (realm {self.host.realm})"
                    raise BackendError(
                        f"cannot connect to {where}: {libvirt_message(exc)}",
                        realm=self.host.realm,
                    ) from None
                time.sleep(0.2)
                continue
            if conn is None:  # pragma: no cover - libvirt-python raises instead on 9.x
                raise BackendError(f"cannot connect to {self.host.uri}")
            return conn

    def _drop(self, dead: libvirt.virConnect) -> None:
        with self._lock:
            if self._conn is dead:
                self._conn = None
                self.reconnects += 1
        with contextlib.suppress(libvirt.libvirtError):
            dead.close()

    def _is_dead(self, conn: libvirt.virConnect, exc: libvirt.libvirtError) -> bool:
        if exc.get_error_code() not in CONNECTION_LOST:
            return False
        try:
            return not conn.isAlive()
        except libvirt.libvirtError:
            return True

    def run(self, doing: str, call: Callable[[libvirt.virConnect], T]) -> T:
        """Run ``call(conn)``, reconnecting once if the connection turned out to be dead."""
        conn = self.conn
        try:
            return call(conn)
        except libvirt.libvirtError as exc:
            if not self._is_dead(conn, exc):
                raise translate(exc, doing) from None
            log.warning("connection to %s lost (%s); reconnecting", self.host.uri, libvirt_message(exc))
            self._drop(conn)
        conn = self.conn
        try:
            return call(conn)
        except libvirt.libvirtError as exc:
            raise translate(exc, doing) from None

    @property
    def is_test(self) -> bool:
        """libvirt's test driver: no guests, no hot-plug; the driver edits definitions instead."""
        if self._is_test is None:
            self._is_test = self.run("asking the hypervisor type", lambda c: c.getType()).lower() == "test"
        return self._is_test

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
