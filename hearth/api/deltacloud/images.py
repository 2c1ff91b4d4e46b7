"""images over /api: list (narrowed by ``owner_id`` and ``architecture``), show, create from an
instance and delete, all through the service's images.

Deltacloud's create takes ``instance_id`` (required), ``name`` and ``description`` and answers
201 with Location and the image; delete answers 204. A backend without the operation answers 412
with ``Expect`` naming the capability (``create_image``, ``destroy_image``), as Deltacloud's
capability check does; an unknown instance is 404, as Deltacloud's mock answers it.
"""

from __future__ import annotations

import re

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import HardwareProfile, Image, ImageCreate, ImageFilter

from .answer import Answer
from .capability import requires
from .context import Context
from .faults import missing_capability
from .params import parse, required
from .views import collection, image, member

# The list parameters Deltacloud filters images by (all optional; an unknown value matches none).
_FILTERS = ("owner_id", "architecture")
_NAME_SUFFIX = "-image"
_NAME_ROOM = 63 - len(_NAME_SUFFIX)  # a Name is at most 63 characters
_UNNAMEABLE = re.compile(r"[^A-Za-z0-9._-]+")  # what a Name cannot hold (an instance's may)


async def _profiles(ctx: Context, who: Caller) -> list[HardwareProfile]:
    """The profiles an image lists as compatible: all of the driver's (each is checked against
    the image when an instance is created)."""
    if not ctx.served.supports(Operation.hardware_profiles_list):
        return []
    return await ctx.run(ctx.service.hardware_profiles.list, who)


def _destroyable(ctx: Context, who: Caller, found: Image) -> bool:
    """Whether the image links destroy_image: the backend deletes images and this caller may
    delete this one (its own; a shared one only an admin)."""
    mine = found.owner_id == who.user_id or who.is_admin
    return mine and ctx.served.supports(Operation.images_delete)


def _member(ctx: Context, who: Caller, found: Image, profiles: list[HardwareProfile]) -> Answer:
    return Answer(member("image", image(ctx.links, found, profiles, _destroyable(ctx, who, found))))


@requires(Operation.images_list, "images")
async def index(ctx: Context) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    wanted = {k: params[k] for k in _FILTERS if params.get(k)}
    filters = parse(ImageFilter, wanted) if wanted else None
    items = await ctx.run(ctx.service.images.list, who, filters)
    profiles = await _profiles(ctx, who)
    views = (image(ctx.links, i, profiles, _destroyable(ctx, who, i)) for i in items)
    return Answer(collection("images", views))


@requires(Operation.images_get, "image")
async def show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    found = await ctx.run(ctx.service.images.get, who, ident)
    return _member(ctx, who, found, await _profiles(ctx, who))


async def _default_name(ctx: Context, who: Caller, instance_id: str) -> str:
    """Deltacloud's name is optional, Hearth's is not: the instance's name (what a Name cannot
    hold made dashes) with ``-image``. Reading the instance also makes an unknown one a 404
    before any name is checked."""
    found = await ctx.run(ctx.service.instances.get, who, instance_id)
    stem = _UNNAMEABLE.sub("-", found.name).lstrip("._-")[:_NAME_ROOM] or "instance"
    return stem + _NAME_SUFFIX


async def create(ctx: Context) -> Answer:
    """The image of a STOPPED instance's disk (another state is a 405 naming it, as an action is)."""
    if not ctx.served.supports(Operation.images_create):
        raise missing_capability("create_image")
    who = await ctx.caller()
    params = ctx.request.params
    instance_id = required(params, "instance_id")
    name = params.get("name") or await _default_name(ctx, who, instance_id)
    fields = {"instance_id": instance_id, "name": name, "description": params.get("description")}
    made = await ctx.run(ctx.service.images.create, who, parse(ImageCreate, fields))
    answer = _member(ctx, who, made, await _profiles(ctx, who))
    answer.status = 201
    answer.headers.append(("location", ctx.links.member("images", made.id)))
    return answer


async def destroy(ctx: Context, ident: str) -> Answer:
    if not ctx.served.supports(Operation.images_delete):
        raise missing_capability("destroy_image")
    who = await ctx.caller()
    await ctx.run(ctx.service.images.delete, who, ident)
    return Answer(None, 204)
