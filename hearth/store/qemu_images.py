"""The qemu driver's images (revision 0005): base disks and boot files kept in its images dir.

A row describes what an image is made of; the files themselves live in ``images/<id>/`` under the
driver's state directory, named by the ``disk``/``kernel``/``initrd`` columns (None: not part of
this image). A deleted image that running guests still build on is only marked ``deleted``: its
files go once the last instance using them is destroyed.
"""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import ID_LEN, Base, ResourceColumns

FILE_LEN = 64


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
