"""DescribeImages, CreateImage (capture a stopped instance), DeregisterImage."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hearth.drivers import SYSTEM_OWNER
from hearth.drivers.resources import Image, ImageCreate
from hearth.service.tags import TagKind

from ..context import Context
from ..elements.catalogue import ARCHITECTURES, IMAGE_STATES, image_item
from ..faults import invalid
from ..filters import FilterSet, read_filters
from ..ids import Kind
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body
from ..tags import tags_for
from .tags import TagView


def images_filter(ctx: Context, tags: Callable[[Image], Mapping[str, str]]) -> FilterSet[Image]:
    return FilterSet[Image](
        {
            "image-id": lambda i: [ctx.ec2(Kind.image, i.id)],
            "name": lambda i: [i.name],
            "state": lambda i: [IMAGE_STATES[i.state]],
            "architecture": lambda i: [ARCHITECTURES[i.architecture]],
            "owner-id": lambda i: [i.owner_id],
            "is-public": lambda i: ["true" if i.owner_id == SYSTEM_OWNER else "false"],
            "image-type": lambda i: ["machine"],
            "description": lambda i: [i.description],
        },
        tags=tags,
    )


def _owned(image: Image, owners: list[str], ctx: Context) -> bool:
    """``Owner.N``: ``self`` is the caller, an account id is a Hearth user, ``amazon`` the catalogue."""
    names = {ctx.owner if o == "self" else SYSTEM_OWNER if o == "amazon" else o for o in owners}
    return not names or image.owner_id in names


@action(
    "DescribeImages",
    (
        "ImageId",
        "Owner",
        "ExecutableBy",
        "IncludeDeprecated",
        "IncludeDisabled",
        "Filter",
        "MaxResults",
        "NextToken",
    ),
)
async def describe_images(ctx: Context, params: Params) -> Body:
    wanted = params.strings("ImageId")
    owners = params.strings("Owner")
    params.strings("ExecutableBy")
    params.boolean("IncludeDeprecated")
    params.boolean("IncludeDisabled")
    tags = TagView(TagKind.image)
    keep = images_filter(ctx, tags).matcher(read_filters(params))
    paging = read_paging(params, 1, 1000)
    images = await tags.list(ctx, lambda: ctx.calls.images.list(ctx.caller))
    if wanted:
        images = ctx.select(Kind.image, wanted, images)
    chosen, token = page([i for i in images if _owned(i, owners, ctx) and keep(i)], paging)
    return {"imagesSet": [image_item(i, ctx.ids, tags(i)) for i in chosen], "nextToken": token}


@action(
    "CreateImage",
    ("InstanceId", "Name", "Description", "NoReboot", "TagSpecification", "BlockDeviceMapping"),
    conflict="IncorrectInstanceState",
)
async def create_image(ctx: Context, params: Params) -> Body:
    instance_ec2 = params.required("InstanceId")
    name = params.required("Name")
    description = params.text("Description") or ""
    params.boolean("NoReboot")
    if params.structs("BlockDeviceMapping"):
        raise invalid("BlockDeviceMapping", "", "Hearth captures the instance's disk as it is")
    tag_name, tags = tags_for(params, "image")
    name = tag_name or name
    instance_id = await ctx.resolve_one(
        Kind.instance, instance_ec2, lambda: ctx.calls.instances.list(ctx.caller)
    )
    request = ImageCreate(instance_id=instance_id, name=name, description=description)
    image = await ctx.run(ctx.calls.images.create, ctx.caller, request)
    if tags:
        await ctx.run(ctx.calls.tags.set, ctx.caller, {TagKind.image: [image.id]}, tags)
    return {"imageId": ctx.ec2(Kind.image, image.id)}


@action("DeregisterImage", ("ImageId", "DeleteAssociatedSnapshots"))
async def deregister_image(ctx: Context, params: Params) -> Body:
    image_ec2 = params.required("ImageId")
    params.boolean("DeleteAssociatedSnapshots")
    image_id = await ctx.resolve_one(Kind.image, image_ec2, lambda: ctx.calls.images.list(ctx.caller))
    await ctx.run(ctx.calls.images.delete, ctx.caller, image_id)
    return {"return": True}
