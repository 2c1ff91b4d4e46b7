"""A cap on failed authentications, per user name and per client address.

Each failure is remembered for ``window`` seconds under both keys; while a key holds ``limit``
failures, further attempts under it are refused (429 with the seconds until the oldest one ages
out) *before* any password is checked, so guessing is capped at ``limit`` per window whatever the
attacker's parallelism. Callers whose verdict is cached are not throttled (their header proves
an earlier success), so an attack on a name does not log its running sessions out. Memory is
bounded: at most ``MAX_KEYS`` keys are tracked, the stalest dropped first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from hearth.errors import LimitExceeded

MAX_KEYS = 65_536


@dataclass(frozen=True)
class ThrottleLimits:
    """``per_user`` and ``per_address`` failures are allowed within ``window`` seconds (0: no cap)."""

    per_user: int = 10
    per_address: int = 50
    window: float = 60.0


class AuthThrottle:
    def __init__(self, limits: ThrottleLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def admit(self, name: str, address: str | None) -> float:
        """Count one attempt against the name and the address, or refuse it (LimitExceeded).

        The attempt counts as a failure from now on, so parallel guesses cannot slip past the
        cap while their checks run; ``succeeded`` takes it back. Returns the attempt's stamp.
        """
        now = self._clock()
        with self._lock:
            keys = [(key, limit) for key, limit in self._keys(name, address) if limit > 0]
            wait = max((self._wait(key, limit, now) for key, limit in keys), default=0.0)
            if wait <= 0:
                for key, _ in keys:
                    stamps = self._failures.pop(key, None) or deque()
                    stamps.append(now)
                    self._failures[key] = stamps  # the most recent attempt last
                while len(self._failures) > MAX_KEYS:
                    self._failures.popitem(last=False)
        if wait > 0:
            raise LimitExceeded(
                "too many failed logins for this user or from this address; retry later",
                retry_after=max(1, math.ceil(wait)),
            )
        return now

    def succeeded(self, name: str, address: str | None, stamp: float) -> None:
        """The attempt admitted at ``stamp`` was a correct login: it is not a failure."""
        with self._lock:
            for key, _ in self._keys(name, address):
                stamps = self._failures.get(key)
                if stamps is not None and stamp in stamps:
                    stamps.remove(stamp)

    def _keys(self, name: str, address: str | None) -> list[tuple[str, int]]:
        keys = [("user\0" + name, self.limits.per_user)]
        if address:
            keys.append(("addr\0" + address, self.limits.per_address))
        return keys

    def _wait(self, key: str, limit: int, now: float) -> float:
        stamps = self._failures.get(key)
        if stamps is None:
            return 0.0
        while stamps and stamps[0] <= now - self.limits.window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
            return 0.0
        if len(stamps) < limit:
            return 0.0
        return stamps[0] + self.limits.window - now
