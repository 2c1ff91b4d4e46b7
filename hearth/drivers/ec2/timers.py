"""Delayed actions by key (a graceful stop forced after its timeout), cancelled on close.

One timer per key: scheduling again replaces the pending one, so a second stop does not leave
the first stop's forcing behind; ``cancel_all`` keeps a closed driver from calling EC2 later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Timers:
    def __init__(self) -> None:
        self._timers: dict[str, threading.Timer] = {}
        self._lock = threading.Lock()

    def schedule(self, key: str, delay: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(delay, self._fire, args=(key, action))
        timer.daemon = True
        with self._lock:
            old = self._timers.pop(key, None)
            self._timers[key] = timer
        if old is not None:
            old.cancel()
        timer.start()

    def cancel(self, key: str) -> None:
        with self._lock:
            timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def cancel_all(self) -> None:
        with self._lock:
            timers = list(self._timers.values())
            self._timers.clear()
        for t in timers:
            t.cancel()

    def _fire(self, key: str, action: Callable[[], None]) -> None:
        with self._lock:
            self._timers.pop(key, None)
        action()
