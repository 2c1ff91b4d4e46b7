"""Web UI sessions: an opaque random id in a cookie stands for a user who logged in with a password.

Kept in memory, per server process: a restart logs everyone out, which costs a person one login
and keeps session ids out of the store (and its backups) altogether. Each session carries its own
CSRF token, which the page sends back in ``X-CSRF-Token`` on every state-changing request; a
cross-site form cannot read it, so it cannot forge one. A session ends at logout, after ``idle``
seconds unused or ``lifetime`` seconds in all, and the moment the store's credentials change (a
password set, a user deleted: the same auth epoch the login cache follows), so a changed password
logs its old sessions out at once.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hearth.drivers import Caller
from hearth.errors import AuthFailure, Forbidden

IDLE_SECONDS = 8 * 3600.0
LIFETIME_SECONDS = 24 * 3600.0
MAX_SESSIONS = 10_000  # past this the oldest go first: a login flood cannot grow memory without end
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionEnded(AuthFailure):
    """401 for a request whose session cookie names no live session. Answered without a Basic
    challenge: the page handles it (back to the login form), a browser prompt would only confuse."""


@dataclass
class Session:
    """One logged-in browser: who (the Caller, and the name they logged in with, to show), its
    CSRF token, and when it ends."""

    caller: Caller
    name: str
    csrf: str
    epoch: str
    created: float
    last_used: float = field(default=0.0)


class Sessions:
    """The live sessions by id; safe to call from any thread."""

    def __init__(
        self,
        epoch: Callable[[], str],
        *,
        idle: float = IDLE_SECONDS,
        lifetime: float = LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._epoch = epoch
        self.idle = idle
        self.lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, Session] = {}

    def open(self, caller: Caller, name: str) -> tuple[str, Session]:
        """A new session for ``caller`` (who just proved ``name``'s password): its id and itself."""
        now = self._clock()
        sid = secrets.token_urlsafe(32)
        session = Session(caller, name, secrets.token_urlsafe(32), self._epoch(), now, now)
        with self._lock:
            while len(self._live) >= MAX_SESSIONS:
                self._live.pop(next(iter(self._live)))
            self._live[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        """The live session ``sid`` names (touched: its idle time starts again), else None."""
        if not sid:
            return None
        now = self._clock()
        with self._lock:
            session = self._live.get(sid)
            if session is None:
                return None
            if (
                now - session.last_used > self.idle
                or now - session.created > self.lifetime
                or session.epoch != self._epoch()
            ):
                del self._live[sid]
                return None
            session.last_used = now
            return session

    def checked(self, sid: str | None, method: str, csrf: str | None) -> Session:
        """Session ``sid``, for a request with ``method`` carrying ``csrf`` (the header).

        AuthFailure when the session is over; Forbidden when a state-changing request lacks the
        session's CSRF token, so a page on another site cannot act with the cookie."""
        session = self.get(sid)
        if session is None:
            raise SessionEnded("the session has ended (logged out or expired): log in again")
        if method not in SAFE_METHODS and not (csrf and hmac.compare_digest(csrf, session.csrf)):
            raise Forbidden(
                "a request made with the session cookie that changes anything needs the session's "
                "CSRF token in the X-CSRF-Token header"
            )
        return session

    def close(self, sid: str | None) -> None:
        """End session ``sid`` (logout); an unknown one is already over."""
        if sid:
            with self._lock:
                self._live.pop(sid, None)
