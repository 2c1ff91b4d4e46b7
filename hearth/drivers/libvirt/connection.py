"""One libvirt connection per host; a host that is down costs its callers at most a short wait.

Every call goes through ``Link.run``: if it fails because the connection is dead (libvirtd was
restarted, the socket closed), the link reconnects and runs the call once more. A dead
connection never delivered the request, so the retry does not repeat an applied change; an
error on a live connection is the operation's own and is raised as a typed error.

Connecting happens on a thread of its own, never under a lock other callers need: a caller waits
for an attempt at most ``CONNECT_WAIT`` seconds, and while an attempt is still running (a remote
host that does not answer) later callers are told at once that the host is unavailable. A host
that is down is retried in the background every ``RETRY_SECONDS``, so its realm becomes
AVAILABLE again without a request and without a restart.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import libvirt

from hearth.errors import BackendError, BackendTimeout, HearthError
from hearth.redact import redact

from .config import Host
from .errors import CONNECTION_LOST, libvirt_message, translate

T = TypeVar("T")
log = logging.getLogger(__name__)
# How long one caller waits for a connection attempt (libvirtd answers locally in milliseconds).
CONNECT_WAIT = 2.0
# How often a host that is down is tried again in the background.
RETRY_SECONDS = 5.0
# Calls one host may have in flight at once: a host that hangs holds at most this many threads,
# and a caller finding them all taken waits at most CONNECT_WAIT for one before a 504 (none at
# all once every one of them has been waiting longer than that).
LINK_CALLS = 4


def _quiet(_ctx: object, _err: object) -> None:
    """libvirt prints every error to stderr by default; ours are raised as exceptions instead."""


libvirt.registerErrorHandler(_quiet, None)


class Slots:
    """At most ``size`` holders at once. A caller waits at most ``CONNECT_WAIT`` for a place, and
    not at all when every holder has held its place longer than that: what they wait on (a host)
    is not answering, and queueing behind them would only tie up the caller's thread too."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._since: dict[object, float] = {}  # when each holder took its place

    def _stalled(self) -> bool:
        now = time.monotonic()
        with self._lock:
            started = list(self._since.values())
        return len(started) >= self.size and all(now - t > CONNECT_WAIT for t in started)

    @contextlib.contextmanager
    def hold(self, refuse: Callable[[], HearthError]) -> Iterator[None]:
        """Hold a place for the block; raise ``refuse()`` when none comes free in time."""
        if not self._free.acquire(blocking=False) and (
            self._stalled() or not self._free.acquire(timeout=CONNECT_WAIT)
        ):
            raise refuse()
        token = object()
        with self._lock:
            self._since[token] = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                del self._since[token]
            self._free.release()


class _Attempt:
    """One ``libvirt.open`` on a thread of its own; ``error`` is set when it failed."""

    def __init__(self, link: Link) -> None:
        self.started = time.monotonic()
        self.done = threading.Event()
        self.error: str | None = None
        threading.Thread(
            target=self._run, args=(link,), name=f"connect-{link.host.realm}", daemon=True
        ).start()

    def _run(self, link: Link) -> None:
        try:
            conn = libvirt.open(link.host.uri)
        except libvirt.libvirtError as exc:
            self.error = libvirt_message(exc)
        else:
            link._connected(conn)
        finally:
            self.done.set()


_events_lock = threading.Lock()
_events_running = False


def ensure_event_loop() -> None:
    """libvirt's default event loop, once per process, on a thread of its own: connections
    deliver domain events (``domainEventRegisterAny``) only when it was registered before they
    were opened, so every Link asks for it before its first connection."""
    global _events_running
    with _events_lock:
        if _events_running:
            return
        libvirt.virEventRegisterDefaultImpl()
        _events_running = True

    def run() -> None:
        while True:
            try:
                libvirt.virEventRunDefaultImpl()
            except libvirt.libvirtError:
                log.exception("libvirt's event loop failed once; it goes on")
                time.sleep(0.1)

    threading.Thread(target=run, name="libvirt-events", daemon=True).start()


ConnectHook = Callable[[libvirt.virConnect], None]


class Link:
    def __init__(self, host: Host) -> None:
        ensure_event_loop()
        self.host = host
        self._hooks: list[ConnectHook] = []
        self._conn: libvirt.virConnect | None = None
        self._lock = threading.Lock()
        self._attempt: _Attempt | None = None
        self._retrying = False
        self._closed = threading.Event()
        self.reconnects = 0  # for tests and diagnostics
        self._is_test: bool | None = None
        self._slots = Slots(LINK_CALLS)

    @property
    def where(self) -> str:
        """The host as users may see it: the URI with any credentials masked."""
        return f"{redact(self.host.uri)} (realm {self.host.realm})"

    @property
    def conn(self) -> libvirt.virConnect:
        with self._lock:
            if self._conn is not None:
                return self._conn
            if self._closed.is_set():
                raise BackendError(f"the connection to {self.where} is closed", realm=self.host.realm)
            attempt = self._attempt_now()
        attempt.done.wait(max(0.0, CONNECT_WAIT - (time.monotonic() - attempt.started)))
        with self._lock:
            if self._conn is not None:
                return self._conn
        self._retry_in_background()
        if not attempt.done.is_set():
            raise self.unanswered(f"{self.where} does not answer; it is retried in the background")
        raise BackendError(
            f"cannot connect to {self.where}: {attempt.error}",
            realm=self.host.realm,
            retry_after=int(RETRY_SECONDS),
        )

    def _attempt_now(self) -> _Attempt:
        """The connection attempt in flight, or a new one; call with ``_lock`` held."""
        if self._attempt is None or self._attempt.done.is_set():
            self._attempt = _Attempt(self)
        return self._attempt

    def unanswered(self, message: str) -> BackendTimeout:
        """The 504 for a host that is not answering, with when to try again."""
        return BackendTimeout(message, realm=self.host.realm, retry_after=int(RETRY_SECONDS))

    def connect(self) -> str | None:
        """Try to reach the host now (bounded by ``CONNECT_WAIT``); the reason when it is down."""
        try:
            self.conn  # noqa: B018 - connecting is the point
        except HearthError as exc:
            return exc.message
        return None

    def on_connect(self, hook: ConnectHook) -> None:
        """Call ``hook(conn)`` on every connection from now on: the current one (if any) at
        once, and each new one after a reconnect (event callbacks live on a connection)."""
        with self._lock:
            self._hooks.append(hook)
            conn = self._conn
        if conn is not None:
            self._run_hook(hook, conn)

    def _run_hook(self, hook: ConnectHook, conn: libvirt.virConnect) -> None:
        try:
            hook(conn)
        except libvirt.libvirtError as exc:
            log.warning("%s: a connection hook failed: %s", self.where, libvirt_message(exc))

    def lost(self, conn: libvirt.virConnect) -> None:
        """libvirt says ``conn`` closed (libvirtd restarted): drop it and reconnect in the
        background, so its hooks (event callbacks) are back without waiting for a request."""
        threading.Thread(
            target=self._reconnect, args=(conn,), name=f"lost-{self.host.realm}", daemon=True
        ).start()

    def _reconnect(self, dead: libvirt.virConnect) -> None:
        self._drop(dead)
        if self.connect() is not None:
            self._retry_in_background()

    def _connected(self, conn: libvirt.virConnect) -> None:
        with self._lock:
            if self._conn is None and not self._closed.is_set():
                self._conn = conn
                hooks = list(self._hooks)
            else:
                hooks = None
        if hooks is not None:
            for hook in hooks:
                self._run_hook(hook, conn)
            return
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()  # closed meanwhile, or another attempt won

    def _retry_in_background(self) -> None:
        with self._lock:
            if self._retrying or self._closed.is_set():
                return
            self._retrying = True
        threading.Thread(target=self._retry_loop, name=f"retry-{self.host.realm}", daemon=True).start()

    def _retry_loop(self) -> None:
        try:
            while not self._closed.wait(RETRY_SECONDS) and self._conn is None:
                with self._lock:
                    attempt = self._attempt_now()
                attempt.done.wait()
                if attempt.error is not None:
                    log.info("%s still unavailable: %s", self.where, attempt.error)
                else:
                    log.info("%s is reachable again", self.where)
        finally:
            with self._lock:
                self._retrying = False

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
        """Run ``call(conn)``, reconnecting once if the connection turned out to be dead.

        Holds one of the host's ``LINK_CALLS`` slots meanwhile: when they are all taken (the host
        stopped answering them), the caller is told so within ``CONNECT_WAIT`` instead of queueing
        behind them.
        """
        busy = f"{self.where} has not answered its last {LINK_CALLS} calls; try again later"
        with self._slots.hold(lambda: self.unanswered(busy)):
            return self._run(doing, call)

    def _run(self, doing: str, call: Callable[[libvirt.virConnect], T]) -> T:
        conn = self.conn
        try:
            return call(conn)
        except libvirt.libvirtError as exc:
            if not self._is_dead(conn, exc):
                raise translate(exc, doing) from None
            log.warning("connection to %s lost (%s); reconnecting", self.where, libvirt_message(exc))
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
        self._closed.set()
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
