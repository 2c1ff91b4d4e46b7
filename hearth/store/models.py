"""The store's tables, as typed ORM classes; the Alembic migrations must reproduce exactly this.

``users``, ``keys`` and ``store_meta`` serve every driver and frontend; the ``mock_*`` tables are
the mock driver's whole world. Timestamps are stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
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
    pass


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


class MockRealm(ResourceColumns, Base):
    __tablename__ = "mock_realms"

    state: Mapped[str] = mapped_column(String(16))
    limit: Mapped[int | None]


class MockHardwareProfile(ResourceColumns, Base):
    __tablename__ = "mock_hardware_profiles"

    properties: Mapped[dict[str, Any]] = mapped_column(JSON)


class MockImage(ResourceColumns, Base):
    __tablename__ = "mock_images"

    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    os: Mapped[str | None] = mapped_column(String(64))
    architecture: Mapped[str] = mapped_column(String(16))
    source_instance: Mapped[str | None] = mapped_column(String(ID_LEN))


class MockInstance(ResourceColumns, Base):
    """``state`` becomes ``next_state`` once the clock passes ``next_at`` (read-time timing)."""

    __tablename__ = "mock_instances"
    __table_args__ = (Index("ix_mock_instances_owner_state", "owner_id", "state"),)

    state: Mapped[str] = mapped_column(String(16))
    next_state: Mapped[str | None] = mapped_column(String(16))
    next_at: Mapped[float | None] = mapped_column(Float)
    state_reason: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    template_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    realm_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    hwp_id: Mapped[str] = mapped_column(String(ID_LEN))
    hwp_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    key_name: Mapped[str | None] = mapped_column(String(NAME_LEN))
    user_data: Mapped[str | None] = mapped_column(Text)


class MockVolume(ResourceColumns, Base):
    __tablename__ = "mock_volumes"
    __table_args__ = (UniqueConstraint("instance_id", "device", name="uq_mock_volumes_device"),)

    capacity_gb: Mapped[int]
    realm_id: Mapped[str] = mapped_column(String(ID_LEN))
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("mock_instances.id"), index=True)
    device: Mapped[str | None] = mapped_column(String(8))


class MockSnapshot(ResourceColumns, Base):
    __tablename__ = "mock_snapshots"

    volume_id: Mapped[str] = mapped_column(ForeignKey("mock_volumes.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))


class MockNetwork(ResourceColumns, Base):
    __tablename__ = "mock_networks"

    address_blocks: Mapped[list[str]] = mapped_column(JSON)


class MockSubnet(ResourceColumns, Base):
    __tablename__ = "mock_subnets"

    network_id: Mapped[str] = mapped_column(ForeignKey("mock_networks.id"), index=True)
    address_block: Mapped[str] = mapped_column(String(64))


class MockBinding(Base):
    """An instance's address on a subnet; the unique pair stops two guests sharing an IP."""

    __tablename__ = "mock_bindings"
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address", name="uq_mock_bindings_ip"),)

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    subnet_id: Mapped[str] = mapped_column(ForeignKey("mock_subnets.id"), primary_key=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("mock_networks.id"), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))


class MockAddress(ResourceColumns, Base):
    __tablename__ = "mock_addresses"

    ip_address: Mapped[str] = mapped_column(String(64), unique=True)
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("mock_instances.id"), index=True)


from hearth.store import access_keys as _access_keys  # noqa: E402,F401  (revision 0010 tables)
from hearth.store import ec2 as _ec2  # noqa: E402,F401  (revision 0095 tables)
from hearth.store import idempotency as _idempotency  # noqa: E402,F401  (revision 0008 tables)
from hearth.store import interfaces as _interfaces  # noqa: E402,F401  (revision 0002 tables)
from hearth.store import libvirt as _libvirt  # noqa: E402,F401  (revision 0090 tables)
from hearth.store import media as _media  # noqa: E402,F401  (revision 0006 tables)
from hearth.store import mock_pools as _mock_pools  # noqa: E402,F401  (revision 0007 tables)
from hearth.store import qemu_images, qemu_instances, qemu_volumes  # noqa: E402,F401  (revision 0005)
from hearth.store import tasks as _tasks  # noqa: E402,F401  (revision 0003 tables)
from hearth.store import templates as _templates  # noqa: E402,F401  (revision 0004 tables)
