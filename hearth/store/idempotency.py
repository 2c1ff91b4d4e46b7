"""The ``idempotency_keys`` table: the answer to a create, kept under the key its client sent.

One row per (owner, scope, key): ``pending`` while the first request runs (``holder`` names the
process running it), then ``done`` with the status, body and Location that request answered.
``scope`` keeps frontends apart (``v1`` Idempotency-Key headers, ``ec2`` ClientTokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, Integer, String, Text, and_, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .engine import write_connection
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


def _this(who: tuple[str, str, str]) -> ColumnElement[bool]:
    owner, scope, key = who
    return and_(IdempotencyRow.owner_id == owner, IdempotencyRow.scope == scope, IdempotencyRow.key == key)


def _held(who: tuple[str, str, str], holder: str) -> ColumnElement[bool]:
    return and_(_this(who), IdempotencyRow.holder == holder, IdempotencyRow.state == "pending")


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
    holder older than ``stale_before`` (its process died before it could answer). Core
    statements, not the ORM: every EC2 RunInstances (boto3 always sends a ClientToken) claims,
    then completes, a key, and a unit of work cost more than the statements.
    """
    owner, scope, key = who
    t = IdempotencyRow
    with write_connection(engine) as conn:
        columns = (t.fingerprint, t.state, t.holder, t.status, t.body, t.location, t.created)
        row = conn.execute(select(*columns).where(_this(who))).first()
        if row is not None:
            pending = row.state == "pending"
            abandoned = pending and row.holder != holder and row.created < stale_before
            if row.created >= expired_before and not abandoned:
                return Seen(row.fingerprint, pending, row.status, row.body, row.location, row.created)
            conn.execute(delete(t).where(_this(who)))
        conn.execute(
            insert(t).values(
                owner_id=owner, scope=scope, key=key, fingerprint=fingerprint, state="pending", holder=holder
            )
        )
    return None


def complete(
    engine: Engine, who: tuple[str, str, str], holder: str, status: int, body: str, location: str | None
) -> None:
    with write_connection(engine) as conn:
        conn.execute(
            update(IdempotencyRow)
            .where(_held(who, holder))
            .values(state="done", status=status, body=body, location=location)
        )


def release(engine: Engine, who: tuple[str, str, str], holder: str) -> None:
    """Forget a pending claim whose request failed: the key may be used again."""
    with write_connection(engine) as conn:
        conn.execute(delete(IdempotencyRow).where(_held(who, holder)))


def purge(engine: Engine, before: datetime) -> int:
    with write_connection(engine) as conn:
        result = conn.execute(delete(IdempotencyRow).where(IdempotencyRow.created < before))
        return int(getattr(result, "rowcount", 0) or 0)
