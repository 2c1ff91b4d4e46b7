"""The shared store's base tables (``users``, ``keys``, ``store_meta``) and the column types every
table uses, the drivers' own included (they import these; nothing here imports them back).

The other shared tables sit beside the code that uses them (``tasks``, ``templates``, ``media``,
``idempotency``); each driver's tables live in ``hearth.drivers.<backend>.tables``, under their own
metadata and migrations. Timestamps are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ID_LEN = 36
NAME_LEN = 64


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite keeps no zone: store naive UTC, hand back aware UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The shared tables' metadata; each driver's tables declare their own, beside its code."""


class ResourceColumns:
    """The four fields every resource has (DESIGN: id, name, owner_id, created)."""

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN))
    owner_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoreMeta(Base):
    """Small facts about the store itself (e.g. that the first-start seed has run)."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KeyRow(ResourceColumns, Base):
    __tablename__ = "keys"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_keys_owner_name"),)

    kind: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(128))
    public_key: Mapped[str] = mapped_column(Text)
