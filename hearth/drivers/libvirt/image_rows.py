"""Image rows as images and instances both read them: visibility, usability, late removal.

An instance boots from an image row (its base volume, its kernel); a deleted image whose base
volume still backs instance disks is kept, hidden, and collected when its last instance goes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hearth.errors import ValidationError

from ..caller import Caller
from ..resources import ImageState
from .context import LibvirtContext
from .pool_volumes import delete_volume
from .rows import DELETED, IMAGES
from .tables import LibvirtImage


def usable_image(s: Session, caller: Caller, image_id: str) -> LibvirtImage:
    """An image an instance can be made from: visible and AVAILABLE."""
    row = IMAGES.row(s, caller, image_id)
    if row.state != ImageState.AVAILABLE.value:
        raise ValidationError(f"image {row.id} is {row.state}, not AVAILABLE", image=row.id)
    return row


def collect_image(ctx: LibvirtContext, image_id: str | None) -> None:
    """Remove a deleted image's base volume and row once no instance uses it any more."""
    if image_id is None:
        return
    with ctx.write() as s:
        row = s.get(LibvirtImage, image_id)
        if row is None or row.state != DELETED:
            return
        link = ctx.link(row.realm_id)
        if any(f.meta.image_id == row.id for f in ctx.instances_on(link)):
            return
        if row.pool and row.volume:
            delete_volume(link, row.pool, row.volume)
        s.delete(row)
