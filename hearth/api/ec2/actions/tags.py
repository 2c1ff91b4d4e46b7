"""CreateTags, DeleteTags, DescribeTags on instances, images, volumes, snapshots, VPCs and subnets.

One request may name resources of several types (``ResourceId.1=i-…&ResourceId.2=vol-…``): the
ids are sorted by their prefix and handed to the service together, so the request is done for
all of them or for none. ``Name`` is the resource's Hearth name (``hearth.service.tags``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from hearth.drivers import Operation
from hearth.service.tags import Tagged, TagKind, with_name

from ..context import Context
from ..faults import missing
from ..filters import FilterSet, pattern, read_filters
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body, Value
from ..tags import TAGGABLE, Taggable, read_tag_keys, read_tags, taggable_of

T = TypeVar("T", bound=Tagged)


def listing(ctx: Context, kind: TagKind) -> Callable[[], Sequence[Tagged]]:
    """The blocking call that lists one kind of taggable resource the caller sees."""
    calls, caller = ctx.calls, ctx.caller
    listings: dict[TagKind, Callable[[], Sequence[Tagged]]] = {
        TagKind.instance: lambda: calls.instances.list(caller),
        TagKind.image: lambda: calls.images.list(caller),
        TagKind.volume: lambda: calls.volumes.list(caller),
        TagKind.snapshot: lambda: calls.snapshots.list(caller),
        TagKind.network: lambda: calls.networks.list(caller),
        TagKind.subnet: lambda: calls.subnets.list(caller),
    }
    return listings[kind]


class TagView:
    """The tags of one listing's resources, ``Name`` included. Made before the listing (an
    action checks its filters before it lists anything), filled by ``list``."""

    def __init__(self, kind: TagKind) -> None:
        self.kind = kind
        self._stored: Mapping[str, Mapping[str, str]] = {}

    def __call__(self, resource: Tagged) -> dict[str, str]:
        return with_name(resource.name, self._stored.get(resource.id))

    async def list(self, ctx: Context, lister: Callable[[], Sequence[T]]) -> list[T]:
        """``lister``'s resources (a blocking call), their tags read in the same worker call."""

        def both() -> tuple[Sequence[T], dict[str, dict[str, str]]]:
            return lister(), ctx.calls.tags.of(ctx.caller, self.kind)

        items, self._stored = await ctx.run(both)
        return list(items)


async def _resources(ctx: Context, params: Params) -> dict[TagKind, list[str]]:
    """``ResourceId.N`` as Hearth ids by kind (Malformed, NotFound or InvalidID as EC2 says)."""
    wanted = params.strings("ResourceId")
    if not wanted:
        raise missing("ResourceId")
    grouped: dict[Taggable, list[str]] = {}
    for ec2 in wanted:
        grouped.setdefault(taggable_of(ec2), []).append(ec2)
    resolved: dict[TagKind, list[str]] = {}
    for taggable, ec2_ids in grouped.items():
        lister = listing(ctx, taggable.kind)
        resolved[taggable.kind] = await ctx.resolve(taggable.id_kind, ec2_ids, lister)
    return resolved


@action("CreateTags", ("ResourceId", "Tag"))
async def create_tags(ctx: Context, params: Params) -> Body:
    tags = read_tags(params)
    if not tags:
        raise missing("Tag.1.Key")
    resources = await _resources(ctx, params)
    await ctx.run(ctx.calls.tags.set, ctx.caller, resources, tags)
    return {"return": True}


@action("DeleteTags", ("ResourceId", "Tag"))
async def delete_tags(ctx: Context, params: Params) -> Body:
    keys = read_tag_keys(params) if "Tag" in params else None  # none named: every tag
    resources = await _resources(ctx, params)
    await ctx.run(ctx.calls.tags.unset, ctx.caller, resources, keys)
    return {"return": True}


@dataclass(frozen=True)
class TagItem:
    """One row of DescribeTags' ``tagSet``."""

    resource_type: str
    resource_id: str  # the EC2 id
    key: str
    value: str


def _order(item: TagItem) -> tuple[str, ...]:
    return (item.resource_type, item.resource_id, item.key)


TAGS_FILTER: Final = FilterSet[TagItem](
    {
        "key": lambda t: [t.key],
        "value": lambda t: [t.value],
        "resource-id": lambda t: [t.resource_id],
        "resource-type": lambda t: [t.resource_type],
    }
)


def _listed_types(params: Params) -> list[Taggable]:
    """The resource types a ``resource-type`` filter leaves (all without one): only those are listed."""
    kept = list(TAGGABLE)
    for f in read_filters(params):
        if f.name == "resource-type":
            patterns = [pattern(v) for v in f.values]
            kept = [t for t in kept if any(p.fullmatch(t.resource_type) for p in patterns)]
    return kept


def _items(ctx: Context, taggable: Taggable) -> list[TagItem]:
    """The tags of every resource of one type the caller sees, its name as ``Name`` (blocking)."""
    resources = listing(ctx, taggable.kind)()
    stored = ctx.calls.tags.of(ctx.caller, taggable.kind)
    return [
        TagItem(taggable.resource_type, ctx.ec2(taggable.id_kind, r.id), key, value)
        for r in resources
        for key, value in with_name(r.name, stored.get(r.id)).items()
    ]


@action("DescribeTags", ("Filter", "MaxResults", "NextToken"))
async def describe_tags(ctx: Context, params: Params) -> Body:
    keep = TAGS_FILTER.matcher(read_filters(params))
    paging = read_paging(params, 5, 1000)
    items: list[TagItem] = []
    for taggable in _listed_types(params):
        if ctx.calls.supports(Operation(f"{taggable.kind.value}s.list")):
            items += await ctx.run(_items, ctx, taggable)
    chosen, token = page([i for i in items if keep(i)], paging, _order)
    body: list[Value] = [
        {"resourceId": i.resource_id, "resourceType": i.resource_type, "key": i.key, "value": i.value}
        for i in chosen
    ]
    return {"tagSet": body, "nextToken": token}
