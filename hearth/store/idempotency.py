"""The ``idempotency_keys`` table: the answer to a create, kept under the key its client sent.

One row per (owner, scope, key): ``pending`` while the first request runs (``holder`` names the
process running it), then ``done`` with the status, body and Location that request answered.
``scope`` keeps frontends apart (``v1`` Idempotency-Key headers, ``ec2`` ClientTokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, String, Text, and_, bindparam, delete, insert, select, update
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


# The statements, built once with bound parameters: building and caching-key a statement per
# call cost more than running it (every EC2 RunInstances claims and completes a key).
_t = IdempotencyRow
_THIS = and_(
    _t.owner_id == bindparam("w_owner"), _t.scope == bindparam("w_scope"), _t.key == bindparam("w_key")
)
_HELD = and_(_THIS, _t.holder == bindparam("w_holder"), _t.state == "pending")
_FIND = select(_t.fingerprint, _t.state, _t.holder, _t.status, _t.body, _t.location, _t.created).where(_THIS)
_FORGET = delete(_t).where(_THIS)
_CLAIM = insert(_t)
_COMPLETE = (
    update(_t)
    .where(_HELD)
    .values(
        state="done", status=bindparam("v_status"), body=bindparam("v_body"), location=bindparam("v_location")
    )
)
_RELEASE = delete(_t).where(_HELD)


def _who(who: tuple[str, str, str]) -> dict[str, str]:
    owner, scope, key = who
    return {"w_owner": owner, "w_scope": scope, "w_key": key}


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
    with write_connection(engine) as conn:
        row = conn.execute(_FIND, _who(who)).first()
        if row is not None:
            pending = row.state == "pending"
            abandoned = pending and row.holder != holder and row.created < stale_before
            if row.created >= expired_before and not abandoned:
                return Seen(row.fingerprint, pending, row.status, row.body, row.location, row.created)
            conn.execute(_FORGET, _who(who))
        values = {"owner_id": owner, "scope": scope, "key": key, "fingerprint": fingerprint}
        conn.execute(_CLAIM, {**values, "state": "pending", "holder": holder, "created": utcnow()})
    return None


def complete(
    engine: Engine, who: tuple[str, str, str], holder: str, status: int, body: str, location: str | None
) -> None:
    params = {**_who(who), "w_holder": holder, "v_status": status, "v_body": body, "v_location": location}
    with write_connection(engine) as conn:
        conn.execute(_COMPLETE, params)


def release(engine: Engine, who: tuple[str, str, str], holder: str) -> None:
    """Forget a pending claim whose request failed: the key may be used again."""
    with write_connection(engine) as conn:
        conn.execute(_RELEASE, {**_who(who), "w_holder": holder})


def purge(engine: Engine, before: datetime) -> int:
    with write_connection(engine) as conn:
        result = conn.execute(delete(IdempotencyRow).where(IdempotencyRow.created < before))
        return int(getattr(result, "rowcount", 0) or 0)
