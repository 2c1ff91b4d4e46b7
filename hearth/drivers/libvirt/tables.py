"""What the libvirt driver keeps beside libvirt itself (branch ``libvirt``).

Domains carry their own ownership in ``<metadata>``; these are the objects libvirt cannot label
(9.0 has no metadata on volumes or networks) or that are Hearth concepts: images (a base volume
and/or a kernel to boot), volumes, snapshots, networks and their subnets. Each row names the
realm (host) and the libvirt object it stands for.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hearth.store.models import ID_LEN, NAME_LEN, ResourceColumns

PATH_LEN = 4096
OBJ_LEN = 255


class Base(DeclarativeBase):
    """The libvirt driver's metadata, apart from the shared store's."""


class LibvirtImage(ResourceColumns, Base):
    """A bootable image: a base volume (``pool``/``volume``), a kernel to boot directly, or both."""

    __tablename__ = "libvirt_images"

    realm_id: Mapped[str] = mapped_column(String(NAME_LEN))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    os: Mapped[str | None] = mapped_column(String(64))
    architecture: Mapped[str] = mapped_column(String(16))
    source_instance: Mapped[str | None] = mapped_column(String(ID_LEN))
    pool: Mapped[str | None] = mapped_column(String(OBJ_LEN))
    volume: Mapped[str | None] = mapped_column(String(OBJ_LEN))
    kernel: Mapped[str | None] = mapped_column(String(PATH_LEN))
    initrd: Mapped[str | None] = mapped_column(String(PATH_LEN))
    cmdline: Mapped[str | None] = mapped_column(String(PATH_LEN))


class LibvirtVolume(ResourceColumns, Base):
    __tablename__ = "libvirt_volumes"

    realm_id: Mapped[str] = mapped_column(String(NAME_LEN))
    pool: Mapped[str] = mapped_column(String(OBJ_LEN))
    volume: Mapped[str] = mapped_column(String(OBJ_LEN))
    capacity_gb: Mapped[int]


class LibvirtSnapshot(ResourceColumns, Base):
    """A point-in-time copy of a volume, kept as a volume in the same pool."""

    __tablename__ = "libvirt_snapshots"

    volume_id: Mapped[str] = mapped_column(ForeignKey("libvirt_volumes.id"), index=True)
    pool: Mapped[str] = mapped_column(String(OBJ_LEN))
    volume: Mapped[str] = mapped_column(String(OBJ_LEN))


class LibvirtNetwork(ResourceColumns, Base):
    __tablename__ = "libvirt_networks"
    __table_args__ = (UniqueConstraint("realm_id", "libvirt_name", name="uq_libvirt_networks_name"),)

    realm_id: Mapped[str] = mapped_column(String(NAME_LEN))
    libvirt_name: Mapped[str] = mapped_column(String(OBJ_LEN))
    address_blocks: Mapped[list[str]] = mapped_column(JSON)


class LibvirtSubnet(ResourceColumns, Base):
    """One ``<ip>`` block of its network's libvirt definition (with a DHCP range)."""

    __tablename__ = "libvirt_subnets"

    network_id: Mapped[str] = mapped_column(ForeignKey("libvirt_networks.id"), index=True)
    address_block: Mapped[str] = mapped_column(String(64))
