"""The qemu driver's tables: images, instance records, volumes and snapshots (branch ``qemu``).

Images: a row describes what an image is made of; the files themselves live in ``images/<id>/``
under the driver's state directory, named by the ``disk``/``kernel``/``initrd`` columns (None: not
part of this image). A deleted image that running guests still build on is only marked
``deleted``: its files go once the last instance using them is destroyed.

Instances: the running truth (is QEMU up, paused, crashed?) comes from the supervised process;
the row keeps what must survive the managing process: ownership, the lifecycle step it was last
asked for (``state``: PENDING, RUNNING, STOPPING, STOPPED or ERROR) and, while STOPPING, when the
graceful shutdown turns into a forced one (``stop_deadline``, epoch seconds), so a new driver can
finish it. ``base_images`` lists the images whose files this guest's disks and kernel depend on.

Volumes are qcow2 files ``volumes/<id>.qcow2``; a snapshot is an internal qcow2 snapshot of that
file whose tag is the snapshot id. ``instance_id``/``device`` say where a volume is attached; the
pair is unique so two volumes never claim one device of a guest.

Networks are Linux bridges the driver makes (``hostnets``); ``bridge`` names the network's bridge
on the host (unique, ``hqb`` + the id's first 12 hex digits), and each subnet is one address block
on it, served by the network's dnsmasq. A binding is an address the driver gave one NIC (by
MAC) of an instance on a subnet: dnsmasq hands it out as a reservation, so the instance shows it
before the guest has asked; the unique pair stops two guests sharing an address.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hearth.store.models import ID_LEN, NAME_LEN, ResourceColumns

FILE_LEN = 64


class Base(DeclarativeBase):
    """The qemu driver's metadata, apart from the shared store's."""


class QemuImage(ResourceColumns, Base):
    __tablename__ = "qemu_images"

    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    os: Mapped[str | None] = mapped_column(String(64))
    architecture: Mapped[str] = mapped_column(String(16))
    source_instance: Mapped[str | None] = mapped_column(String(ID_LEN))
    disk: Mapped[str | None] = mapped_column(String(FILE_LEN))
    disk_format: Mapped[str | None] = mapped_column(String(16))
    kernel: Mapped[str | None] = mapped_column(String(FILE_LEN))
    initrd: Mapped[str | None] = mapped_column(String(FILE_LEN))
    cmdline: Mapped[str | None] = mapped_column(Text)
    deleted: Mapped[bool] = mapped_column(default=False)


class QemuInstance(ResourceColumns, Base):
    __tablename__ = "qemu_instances"

    state: Mapped[str] = mapped_column(String(16))
    state_reason: Mapped[str | None] = mapped_column(Text)
    stop_deadline: Mapped[float | None] = mapped_column(Float)
    image_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    template_id: Mapped[str | None] = mapped_column(String(NAME_LEN))
    realm_id: Mapped[str] = mapped_column(String(ID_LEN))
    hwp_id: Mapped[str] = mapped_column(String(ID_LEN))
    hwp_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    key_name: Mapped[str | None] = mapped_column(String(NAME_LEN))
    memory_mib: Mapped[int]
    vcpus: Mapped[int]
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    base_images: Mapped[list[str]] = mapped_column(JSON, default=list)


class QemuVolume(ResourceColumns, Base):
    __tablename__ = "qemu_volumes"
    __table_args__ = (UniqueConstraint("instance_id", "device", name="uq_qemu_volumes_device"),)

    capacity_gb: Mapped[int]
    realm_id: Mapped[str] = mapped_column(String(ID_LEN))
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("qemu_instances.id"), index=True)
    device: Mapped[str | None] = mapped_column(String(8))


class QemuSnapshot(ResourceColumns, Base):
    __tablename__ = "qemu_snapshots"

    volume_id: Mapped[str] = mapped_column(ForeignKey("qemu_volumes.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))


class QemuNetwork(ResourceColumns, Base):
    __tablename__ = "qemu_networks"

    address_blocks: Mapped[list[str]] = mapped_column(JSON)
    bridge: Mapped[str] = mapped_column(String(15), unique=True)


class QemuSubnet(ResourceColumns, Base):
    __tablename__ = "qemu_subnets"

    network_id: Mapped[str] = mapped_column(ForeignKey("qemu_networks.id"), index=True)
    address_block: Mapped[str] = mapped_column(String(64))


class QemuBinding(Base):
    __tablename__ = "qemu_bindings"
    __table_args__ = (UniqueConstraint("subnet_id", "ip_address", name="uq_qemu_bindings_ip"),)

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("qemu_instances.id", ondelete="CASCADE"), primary_key=True
    )
    mac: Mapped[str] = mapped_column(String(17), primary_key=True)
    subnet_id: Mapped[str] = mapped_column(ForeignKey("qemu_subnets.id"), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("qemu_networks.id"), index=True)
    ip_address: Mapped[str] = mapped_column(String(64))
