"""The ``access_keys`` table: the keys a user signs EC2 requests with (AWS Signature Version 4).

SigV4 signs with the secret itself (an HMAC key, not a password that could be hashed), so a row
keeps the secret, sealed: ``secret_sealed`` is opaque here, made and opened by the service
(``hearth.service.secret_box``), whose key never enters the database. A key goes with its user
(ON DELETE CASCADE), and deleting one writes a new auth epoch, so a server that caches anything
about it notices on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, ForeignKey, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from hearth.errors import Conflict, NotFound

from .engine import read_session, write_session
from .models import ID_LEN, Base, User, UTCDateTime, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KEY_ID_LEN = 20


class AccessKeyRow(Base):
    __tablename__ = "access_keys"

    id: Mapped[str] = mapped_column(String(KEY_ID_LEN), primary_key=True)
    owner_id: Mapped[str] = mapped_column(
        String(ID_LEN), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_sealed: Mapped[str] = mapped_column(Text)


@dataclass(frozen=True)
class StoredAccessKey:
    """An access key as listings show it: never its secret, sealed or not."""

    id: str
    owner_id: str
    owner_name: str
    created: datetime


@dataclass(frozen=True)
class SealedCredential:
    """What a signature check needs: the sealed secret and who signs with it."""

    key_id: str
    owner_id: str
    is_admin: bool
    sealed: str

    def __repr__(self) -> str:  # the sealed secret stays out of logs and tracebacks
        return f"SealedCredential(key_id={self.key_id!r}, owner_id={self.owner_id!r})"


def add_access_key(engine: Engine, user_name: str, key_id: str, sealed: str) -> StoredAccessKey:
    """Store a new key for ``user_name``: NotFound for an unknown user, Conflict for a taken id."""
    try:
        with write_session(engine) as s:
            user = _find(s, user_name)
            row = AccessKeyRow(id=key_id, owner_id=user.id, secret_sealed=sealed)
            s.add(row)
            s.flush()
            return StoredAccessKey(row.id, user.id, user.name, row.created)
    except IntegrityError:
        raise Conflict(f"access key {key_id} already exists", key_id=key_id) from None


def list_access_keys(engine: Engine, user_name: str) -> list[StoredAccessKey]:
    """The user's keys, oldest first; NotFound for an unknown user (an empty list means none)."""
    with read_session(engine) as s:
        user = _find(s, user_name)
        rows = s.scalars(
            select(AccessKeyRow)
            .where(AccessKeyRow.owner_id == user.id)
            .order_by(AccessKeyRow.created, AccessKeyRow.id)
        )
        return [StoredAccessKey(r.id, user.id, user.name, r.created) for r in rows]


def delete_access_key(engine: Engine, user_name: str, key_id: str) -> StoredAccessKey:
    """Delete one of the user's keys; NotFound when the user has no key with that id."""
    with write_session(engine) as s:
        user = _find(s, user_name)
        row = s.get(AccessKeyRow, key_id)
        if row is None or row.owner_id != user.id:
            raise NotFound(f"user {user_name!r} has no access key {key_id}", name=user_name, key_id=key_id)
        gone = StoredAccessKey(row.id, user.id, user.name, row.created)
        s.delete(row)
        _bump_epoch(s)
        return gone


def sealed_credential(engine: Engine, key_id: str) -> SealedCredential | None:
    """The key's sealed secret and owner, or None when no such key exists (any more)."""
    with read_session(engine) as s:
        found = s.execute(
            select(AccessKeyRow.owner_id, User.is_admin, AccessKeyRow.secret_sealed)
            .join(User, User.id == AccessKeyRow.owner_id)
            .where(AccessKeyRow.id == key_id)
        ).first()
    if found is None:
        return None
    owner_id, is_admin, sealed = found
    return SealedCredential(key_id, owner_id, bool(is_admin), sealed)


# Imported when called: both modules import ``models``, which imports this one.
def _find(session: Session, name: str) -> User:
    from .user_admin import _find

    return _find(session, name)


def _bump_epoch(session: Session) -> None:
    from .auth_epoch import bump_epoch

    bump_epoch(session)
