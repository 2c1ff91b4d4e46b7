"""Who is calling: user name and password against the store, with a short-lived verdict cache.

A scrypt check costs tens of milliseconds and 16 MiB on purpose; paying it on every request of a
keep-alive client would cap the server at a few dozen requests per second. A successful check is
remembered for ``ttl`` seconds as an HMAC of the password under a key that exists only in this
process; failures are never cached, so guessing still costs scrypt. Repeat requests are answered
by one dict lookup keyed by an HMAC of their raw Authorization header, without decoding it again.
At most ``max_parallel`` scrypt checks run at once, so a burst of bad logins cannot exhaust memory,
and identical credentials arriving together are checked once. Failed checks are capped per user
name and per client address (``hearth.service.throttle``): past the cap an attempt is refused
with 429 before any password is looked at.

A verdict also carries the store's auth epoch read before its check; a password change or a
deleted user (from any process sharing the store) writes a new epoch, and from then on the
verdict no longer counts: the change takes effect on the very next request, while the epoch
check itself costs a couple of microseconds (``hearth.store.auth_epoch``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.store.auth_epoch import EpochWatch
from hearth.store.users import authenticate

from .throttle import AuthThrottle, ThrottleLimits

DEFAULT_TTL = 30.0
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class _Verdict:
    name: str
    digest: bytes
    caller: Caller
    expires: float
    epoch: str


class _Flight:
    """One scrypt check in progress, shared by every caller with the same credentials."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class Authenticator:
    def __init__(
        self,
        engine: Engine,
        *,
        ttl: float = DEFAULT_TTL,
        max_parallel: int = 4,
        throttle: ThrottleLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._cache: dict[str, _Verdict] = {}  # the latest verdict per user name
        self._headers: dict[bytes, _Verdict] = {}  # by HMAC of the header that earned it
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_parallel)
        self._flights: dict[bytes, _Flight] = {}
        self._epoch = EpochWatch(engine)
        self.throttle = AuthThrottle(throttle or ThrottleLimits(), clock)

    def close(self) -> None:
        self._epoch.close()
        self.forget()

    def epoch(self) -> str:
        """The store's current auth epoch: what else trusts a login (UI sessions) checks it too."""
        return self._epoch.current()

    def _valid(self, verdict: _Verdict | None) -> bool:
        return (
            verdict is not None
            and verdict.expires >= self._clock()
            and verdict.epoch == self._epoch.current()
        )

    def cached(self, name: str, password: str) -> Caller | None:
        """The caller if this exact name and password were verified less than ``ttl`` ago."""
        verdict = self._cache.get(name)
        if verdict is None or not self._valid(verdict):
            return None
        if not hmac.compare_digest(verdict.digest, self._digest(name, password)):
            return None
        return verdict.caller

    def cached_header(self, header: str) -> Caller | None:
        """The caller if this exact Authorization header carried the user's current verdict.

        A verdict replaced (a newer login of the same name), forgotten, or earned before the
        store's credentials last changed no longer counts.
        """
        verdict = self._headers.get(self._header_digest(header))
        if verdict is None or self._cache.get(verdict.name) is not verdict or not self._valid(verdict):
            return None
        return verdict.caller

    def remember_header(self, header: str, name: str, password: str) -> None:
        """Let ``header``, which carries ``name`` and ``password``, find their current verdict."""
        verdict = self._cache.get(name)
        if verdict is None or not hmac.compare_digest(verdict.digest, self._digest(name, password)):
            return
        with self._lock:
            if len(self._headers) >= MAX_ENTRIES:
                self._headers.clear()
            self._headers[self._header_digest(header)] = verdict

    def verify(self, name: str, password: str, address: str | None = None) -> Caller:
        """Check against the store (slow, blocking) and remember a success; AuthFailure otherwise.

        ``address`` is the client's network address, for the failure cap (LimitExceeded past it).

        Concurrent checks of the same name and password share one scrypt run: when a cached
        verdict expires under a busy keep-alive client, its connections would otherwise all
        pay for it at once and queue behind ``max_parallel``.
        """
        digest = self._digest(name, password)
        with self._lock:
            flight = self._flights.setdefault(digest, _Flight())
            flight.users += 1
        try:
            with flight.lock:
                hit = self.cached(name, password)
                if hit is not None:
                    return hit
                stamp = self.throttle.admit(name, address)
                epoch = self._epoch.current()  # before the check: a change during it voids the verdict
                with self._slots:
                    account = authenticate(self.engine, name, password)
                self.throttle.succeeded(name, address, stamp)
                caller = Caller(user_id=account.id, is_admin=account.is_admin)
                with self._lock:
                    if len(self._cache) >= MAX_ENTRIES:
                        self._cache.clear()
                    self._cache[name] = _Verdict(name, digest, caller, self._clock() + self.ttl, epoch)
                return caller
        finally:
            with self._lock:
                flight.users -= 1
                if flight.users == 0:
                    self._flights.pop(digest, None)

    def forget(self, name: str | None = None) -> None:
        """Drop cached verdicts (one user's, or all), e.g. after a password change."""
        with self._lock:
            if name is None:
                self._cache.clear()
                self._headers.clear()
            else:
                self._cache.pop(name, None)
                self._headers = {k: v for k, v in self._headers.items() if v.name != name}

    def _digest(self, name: str, password: str) -> bytes:
        msg = name.encode("utf-8", "surrogatepass") + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def _header_digest(self, header: str) -> bytes:
        return hmac.new(
            self._key, b"header\0" + header.encode("utf-8", "surrogatepass"), hashlib.sha256
        ).digest()
