"""AMIs as Hearth images, behind the ownership check: what the images part serves and what an
instance launch boots.

An AMI with an ownership row is its Hearth user's capture; one of the configured
``image_owners`` without a row is the shared catalogue; anything else is invisible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hearth.errors import NotFound, ValidationError

from ..caller import EPOCH, SYSTEM_OWNER, Caller, ensure_modifiable, ensure_visible
from ..resources import Architecture, Image, ImageState
from .context import Ec2Context, Kind
from .instance_types import ARCHITECTURES
from .tables import Ec2Object
from .tags import tag

IMAGE_STATES = {"available": ImageState.AVAILABLE, "pending": ImageState.PENDING}


def visible_image(context: Ec2Context, caller: Caller, image_id: str) -> Image:
    """The image, if the caller may see it and it can be booted or is on its way (else NotFound)."""
    item, row = image_item(context, caller, image_id)
    view = image_view(item, {row.id: row} if row else {})
    if view is None:
        raise NotFound(f"image {image_id} not found", kind="image", id=image_id)
    return view


def bootable_image(context: Ec2Context, caller: Caller, image_id: str) -> Image:
    image = visible_image(context, caller, image_id)
    if image.state is not ImageState.AVAILABLE:
        raise ValidationError(f"image {image_id} is {image.state.value}, not AVAILABLE", image=image_id)
    return image


def image_item(
    context: Ec2Context, caller: Caller, image_id: str, *, modify: bool = False
) -> tuple[dict[str, Any], Ec2Object | None]:
    """The AMI and its ownership row (None: a catalogue image), after the ownership check."""
    row = context.row(Kind.image, image_id)
    owners = None if row is not None else list(context.config.image_owners)
    item = describe_image(context, image_id, owners)
    owner = None if item is None else row.owner_id if row is not None else SYSTEM_OWNER
    check = ensure_modifiable if modify else ensure_visible
    check(caller, "image", image_id, owner)
    assert item is not None
    return item, row


def describe_image(context: Ec2Context, image_id: str, owners: list[str] | None) -> dict[str, Any] | None:
    """The AMI, if it exists (and belongs to one of ``owners``, when given)."""
    if not image_id.startswith("ami-"):
        return None
    # By filter: EC2 answers a filter that matches nothing with an empty list (and some
    # endpoints ignore Owners next to ImageIds).
    params: dict[str, Any] = {"Filters": [{"Name": "image-id", "Values": [image_id]}]}
    if owners is not None:
        params["Owners"] = owners
    try:
        found = context.cloud.call(f"reading image {image_id}", "describe_images", **params)
    except NotFound:
        return None
    images: list[dict[str, Any]] = found.get("Images") or []
    return images[0] if images else None


def image_view(item: dict[str, Any], rows: dict[str, Ec2Object]) -> Image | None:
    """The Hearth view of an AMI (None: failed, deregistered, …: nothing to boot)."""
    state = IMAGE_STATES.get(str(item.get("State")))
    if state is None:
        return None
    row = rows.get(item["ImageId"])
    return Image(
        id=item["ImageId"],
        name=row.name if row else str(tag(item, "Name") or item.get("Name") or item["ImageId"])[:64],
        owner_id=row.owner_id if row else SYSTEM_OWNER,
        created=row.created if row else _created(item),
        description=str(item.get("Description") or ""),
        state=state,
        os=None,
        architecture=ARCHITECTURES.get(str(item.get("Architecture")), Architecture.x86_64),
        source_instance=row.source_instance if row else None,
    )


def _created(item: dict[str, Any]) -> datetime:
    stamp = item.get("CreationDate")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return EPOCH
