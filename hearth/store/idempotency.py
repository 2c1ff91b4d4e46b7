"""The ``idempotency_keys`` table: the answer to a create, kept under the key its client sent.

One row per (owner, scope, key): ``pending`` while the first request runs (``holder`` names the
process running it), then ``done`` with the status, body and Location that request answered.
``scope`` keeps frontends apart (``v1`` Idempotency-Key headers, ``ec2`` ClientTokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, String, Text, delete
from sqlalchemy.orm import Mapped, mapped_column

from .engine import write_session
from .models import ID_LEN, Base, UTCDateTime, utcnow

KEY_LEN = 255


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    owner_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LEN), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(32))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Seen:
    """What the store holds for a key another request claimed first."""

    fingerprint: str
    pending: bool
    status: int | None
    body: str | None
    location: str | None
    created: datetime


def claim(
    engine: Engine,
    who: tuple[str, str, str],
    fingerprint: str,
    holder: str,
    *,
    expired_before: datetime,
    stale_before: datetime,
) -> Seen | None:
    """Claim ``who`` = (owner, scope, key) for a new request (None), or what is there already.

    A row older than ``expired_before`` counts as absent; so does a pending row of another
    holder older than ``stale_before`` (its process died before it could answer).
    """
    owner, scope, key = who
    with write_session(engine) as s:
        row = s.get(IdempotencyRow, (owner, scope, key))
        if row is not None:
            abandoned = row.state == "pending" and row.holder != holder and row.created < stale_before
            if row.created >= expired_before and not abandoned:
                return Seen(
                    row.fingerprint, row.state == "pending", row.status, row.body, row.location, row.created
                )
            s.delete(row)
            s.flush()
        s.add(
            IdempotencyRow(
                owner_id=owner, scope=scope, key=key, fingerprint=fingerprint, state="pending", holder=holder
            )
        )
    return None


def complete(
    engine: Engine, who: tuple[str, str, str], holder: str, status: int, body: str, location: str | None
) -> None:
    owner, scope, key = who
    with write_session(engine) as s:
        row = s.get(IdempotencyRow, (owner, scope, key))
        if row is not None and row.holder == holder and row.state == "pending":
            row.state, row.status, row.body, row.location = "done", status, body, location


def release(engine: Engine, who: tuple[str, str, str], holder: str) -> None:
    """Forget a pending claim whose request failed: the key may be used again."""
    owner, scope, key = who
    with write_session(engine) as s:
        row = s.get(IdempotencyRow, (owner, scope, key))
        if row is not None and row.holder == holder and row.state == "pending":
            s.delete(row)


def purge(engine: Engine, before: datetime) -> int:
    with write_session(engine) as s:
        result = s.execute(delete(IdempotencyRow).where(IdempotencyRow.created < before))
        return int(getattr(result, "rowcount", 0) or 0)
