"""An image's files as instances use them, shared by the images and instances parts.

Instances are built on an image's files (``files_of``) and keep them in use until destroyed, so
a deleted image stays on disk until the last of them goes: both deleting an image and
destroying an instance end with ``collect_unused``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from hearth.errors import ValidationError

from ..resources import ImageState
from .context import QemuContext
from .files import remove_tree
from .layout import Layout
from .tables import QemuImage, QemuInstance


@dataclass(frozen=True)
class ImageFiles:
    """Absolute paths of an image's parts (None: the image has no such part)."""

    os: str | None
    disk: Path | None
    kernel: Path | None
    initrd: Path | None
    cmdline: str | None


def files_of(layout: Layout, row: QemuImage) -> ImageFiles:
    """What an instance builds on; ValidationError unless the image is AVAILABLE."""
    if row.state != ImageState.AVAILABLE.value:
        raise ValidationError(f"image {row.id} is {row.state}, not AVAILABLE", image=row.id)
    where = layout.image_dir(row.id)
    return ImageFiles(
        os=row.os,
        disk=where / row.disk if row.disk else None,
        kernel=where / row.kernel if row.kernel else None,
        initrd=where / row.initrd if row.initrd else None,
        cmdline=row.cmdline,
    )


def collect_unused(context: QemuContext) -> None:
    """Remove deleted images no instance builds on any more (rows first, then files)."""
    with context.write() as s:
        used: set[str] = set()
        for bases in s.scalars(select(QemuInstance.base_images)):
            used.update(bases or [])
        doomed = [
            r for r in s.scalars(select(QemuImage).where(QemuImage.deleted.is_(True))) if r.id not in used
        ]
        for row in doomed:
            s.delete(row)
    for row in doomed:
        remove_tree(context.layout.image_dir(row.id))
