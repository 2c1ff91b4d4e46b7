"""The qemu driver's storage volumes and snapshots (revision 0005).

A volume is a qcow2 file ``volumes/<id>.qcow2``; a snapshot is an internal qcow2 snapshot of
that file whose tag is the snapshot id. ``instance_id``/``device`` say where a volume is
attached; the pair is unique so two volumes never claim one device of a guest.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import ID_LEN, Base, ResourceColumns


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
