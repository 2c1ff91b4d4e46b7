"""The qemu driver's instance records (revision 0005): who owns a guest and what it was made from.

The running truth (is QEMU up, paused, crashed?) comes from the supervised process; the row keeps
what must survive the managing process: ownership, the lifecycle step it was last asked for
(``state``: PENDING, RUNNING, STOPPING, STOPPED or ERROR) and, while STOPPING, when the graceful
shutdown turns into a forced one (``stop_deadline``, epoch seconds), so a new driver can finish it.
``base_images`` lists the images whose files this guest's disks and kernel depend on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import ID_LEN, NAME_LEN, Base, ResourceColumns


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
