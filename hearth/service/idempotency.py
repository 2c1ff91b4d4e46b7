"""Idempotent creates: a retried request answers what the first one did, for 24 hours.

A client that lost a create's answer (a dropped connection, a server killed mid-request) sends
the same request again with the same key and gets the first answer — status, body, Location —
instead of a second resource. The same key with a different request is refused (422), and one
still running is 409 with Retry-After. Keys are per user and per ``scope`` (a frontend: ``v1``
for the Idempotency-Key header, ``ec2`` for RunInstances' ClientToken), kept in the shared store
so every server process sharing it agrees.

Only successful answers are kept: a request that failed released its key, so it can be retried
as is. A claim whose process died before answering is taken over after ``lease`` seconds; the
retry then runs again (whether the first attempt got as far as the backend cannot be known here).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.errors import Conflict, IdempotencyMismatch, ValidationError
from hearth.store import idempotency as rows
from hearth.store.models import utcnow

TTL = timedelta(hours=24)
LEASE = timedelta(seconds=60)
MAX_KEY = rows.KEY_LEN


@dataclass(frozen=True)
class Answer:
    """A create's answer as it is kept and replayed."""

    status: int
    body: str
    location: str | None = None


def fingerprint(*parts: bytes | str) -> str:
    """A digest of what makes two requests "the same" (method, path, canonical body, …)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise ValidationError(f"an idempotency key is 1 to {MAX_KEY} printable ASCII characters")
    return key


class Idempotency:
    def __init__(self, engine: Engine, *, ttl: timedelta = TTL, lease: timedelta = LEASE) -> None:
        self.engine = engine
        self.ttl = ttl
        self.lease = lease
        self.holder = secrets.token_hex(16)  # this process; a claim outlives it only until the lease

    def begin(self, caller: Caller, scope: str, key: str, fp: str) -> Answer | None:
        """None: go ahead (the key is now claimed; call ``finish`` or ``abandon``). Otherwise the
        first answer to replay; IdempotencyMismatch (422) or Conflict (409, still running)."""
        now = utcnow()
        seen = rows.claim(
            self.engine,
            (caller.user_id, scope, check_key(key)),
            fp,
            self.holder,
            expired_before=now - self.ttl,
            stale_before=now - self.lease,
        )
        if seen is None:
            return None
        if seen.fingerprint != fp:
            raise IdempotencyMismatch(
                "this idempotency key was used for a different request in the last 24 hours; "
                "use a new key for a new request",
                key=key,
            )
        if seen.pending or seen.status is None or seen.body is None:
            raise Conflict("the first request with this idempotency key is still running", retry_after=1)
        return Answer(seen.status, seen.body, seen.location)

    def finish(self, caller: Caller, scope: str, key: str, answer: Answer) -> None:
        rows.complete(
            self.engine,
            (caller.user_id, scope, key),
            self.holder,
            answer.status,
            answer.body,
            answer.location,
        )

    def abandon(self, caller: Caller, scope: str, key: str) -> None:
        rows.release(self.engine, (caller.user_id, scope, key), self.holder)

    def run(self, caller: Caller, scope: str, key: str, fp: str, produce: Callable[[], Answer]) -> Answer:
        """``produce`` once per key: the synchronous form, for frontends that answer in one call
        (the EC2 frontend's ClientToken). Only a successful (2xx) answer is kept."""
        replay = self.begin(caller, scope, key, fp)
        if replay is not None:
            return replay
        try:
            answer = produce()
        except BaseException:
            self.abandon(caller, scope, key)
            raise
        if 200 <= answer.status < 300:
            self.finish(caller, scope, key, answer)
        else:
            self.abandon(caller, scope, key)
        return answer

    def purge(self) -> int:
        """Drop keys older than the TTL (they count as absent anyway); returns how many."""
        return rows.purge(self.engine, utcnow() - self.ttl)
