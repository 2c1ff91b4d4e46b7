"""The mock driver's tables: its whole world, kept in the stores it serves and in no other.

Realms, hardware profiles, pools and images are seeded once (``catalogue.seed``), as rows rather
than constants so a store looks the same to every process sharing it, and an operator can shape
the catalogue with plain SQL in tests. Migrated by ``migrations/`` beside this module (branch
``mock``); no foreign key leaves these tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hearth.store.models import ID_LEN, NAME_LEN, ResourceColumns, UTCDateTime, utcnow

MAC_LEN = 17


class Base(DeclarativeBase):
    """The mock driver's metadata, apart from the shared store's."""


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
    # What the simulated guest wrote to its serial console, written by each transition (``console``).
    console_log: Mapped[str | None] = mapped_column(Text)


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


class MockInterface(Base):
    """A NIC on a Hearth network holds its instance's address binding on one subnet (``subnet_id``),
    so removing the NIC releases the address and ``network_bindings`` always match the NICs."""

    __tablename__ = "mock_interfaces"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    mac: Mapped[str] = mapped_column(String(MAC_LEN), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(NAME_LEN))
    mode: Mapped[str | None] = mapped_column(String(8))
    model: Mapped[str] = mapped_column(String(16))
    subnet_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MockInstanceSpec(Base):
    """The template an instance was built from, resolved (``InstanceSpec`` as JSON)."""

    __tablename__ = "mock_instance_specs"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    memory_mib: Mapped[int]
    vcpus: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)


class MockDisk(Base):
    """A drive of a mock instance; ``url`` holds a remote medium, ``path`` a local one."""

    __tablename__ = "mock_disks"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    dev: Mapped[str] = mapped_column(String(8), primary_key=True)
    type: Mapped[str] = mapped_column(String(8))
    bus: Mapped[str] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MockPool(ResourceColumns, Base):
    __tablename__ = "mock_pools"

    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    capacity_bytes: Mapped[int] = mapped_column(BigInteger)
    allocation_bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str | None] = mapped_column(Text)
    realm_id: Mapped[str] = mapped_column(String(ID_LEN))
