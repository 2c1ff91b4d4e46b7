"""Volumes (Create/Describe/Attach/Detach/DeleteVolume) and snapshots (Create/Describe/DeleteSnapshot)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hearth.drivers.resources import (
    Snapshot,
    SnapshotCreate,
    Volume,
    VolumeAttach,
    VolumeCreate,
    parse_request,
)
from hearth.service import Task
from hearth.service.tags import TagKind, with_name

from ..context import Context
from ..elements.storage import DEV, SNAPSHOT_STATES, VOLUME_STATES, attachment, snapshot_body, volume_body
from ..faults import Ec2Error, invalid, missing
from ..filters import FilterSet, read_filters
from ..ids import Kind
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body
from ..tags import tags_for
from .tags import TagView

CLONE_WAIT = 600.0  # seconds a CreateVolume from a snapshot waits for the copy
VOLUME_TYPES = ("standard", "gp2", "gp3", "io1", "io2", "sc1", "st1")


def volumes_filter(ctx: Context, tags: Callable[[Volume], Mapping[str, str]]) -> FilterSet[Volume]:
    return FilterSet[Volume](
        {
            "volume-id": lambda v: [ctx.ec2(Kind.volume, v.id)],
            "status": lambda v: [VOLUME_STATES[v.state]],
            "availability-zone": lambda v: [v.realm],
            "size": lambda v: [str(v.capacity_gb)],
            "attachment.instance-id": lambda v: [ctx.ec2(Kind.instance, v.instance)] if v.instance else [],
            "attachment.device": lambda v: [DEV + v.device] if v.device else [],
            "attachment.status": lambda v: ["attached"] if v.instance else [],
            "volume-type": lambda v: ["standard"],
        },
        tags=tags,
    )


def _device(text: str) -> str:
    device = text.removeprefix(DEV)
    if not device or "/" in device:
        raise invalid("Device", text, "must be a device name such as /dev/sdf")
    return device


async def _volume_id(ctx: Context, ec2: str) -> str:
    return await ctx.resolve_one(Kind.volume, ec2, lambda: ctx.calls.volumes.list(ctx.caller))


@action(
    "CreateVolume",
    ("Size", "AvailabilityZone", "SnapshotId", "VolumeType", "Encrypted", "TagSpecification", "ClientToken"),
)
async def create_volume(ctx: Context, params: Params) -> Body:
    size = params.integer("Size", 1, 16384)
    snapshot_ec2 = params.text("SnapshotId")
    zone = params.text("AvailabilityZone")
    if not zone:
        raise missing("AvailabilityZone")
    params.choice("VolumeType", VOLUME_TYPES)
    if params.boolean("Encrypted"):
        raise Ec2Error("Unsupported", "Encrypted volumes are not supported by Hearth")
    params.text("ClientToken")
    name, tags = tags_for(params, "volume")
    snapshot_id = None
    if snapshot_ec2:
        snapshots = await ctx.run(ctx.calls.snapshots.list, ctx.caller)
        snapshot_id = await ctx.resolve_one(Kind.snapshot, snapshot_ec2, lambda: snapshots)
        if size is None:
            volumes = await ctx.run(ctx.calls.volumes.list, ctx.caller)
            source = next(s for s in snapshots if s.id == snapshot_id).volume
            size = next((v.capacity_gb for v in volumes if v.id == source), None)
    if size is None:
        raise missing("Size")
    volume = {"capacity_gb": size, "name": name, "realm_id": zone, "snapshot_id": snapshot_id}
    request = parse_request(VolumeCreate, volume)
    made = await ctx.run(ctx.calls.volumes.create, ctx.caller, request)
    if isinstance(made, Task):
        done = await ctx.run(ctx.calls.wait_task, ctx.caller, made, CLONE_WAIT)
        volume_id = (done.result or {}).get("id")
        if done.error is not None or not isinstance(volume_id, str):
            raise Ec2Error(
                "InternalError", f"cloning the snapshot failed: {done.error.message if done.error else ''}"
            )
        made = await ctx.run(ctx.calls.volumes.get, ctx.caller, volume_id)
    if tags:
        await ctx.run(ctx.calls.tags.set, ctx.caller, {TagKind.volume: [made.id]}, tags)
    body = volume_body(made, ctx.ids, with_name(made.name, tags))
    return {**body, "snapshotId": snapshot_ec2 or ""}


@action("DescribeVolumes", ("VolumeId", "Filter", "MaxResults", "NextToken", "IncludeManagedResources"))
async def describe_volumes(ctx: Context, params: Params) -> Body:
    wanted = params.strings("VolumeId")
    tags = TagView(TagKind.volume)
    keep = volumes_filter(ctx, tags).matcher(read_filters(params))
    paging = read_paging(params, 5, 500)
    params.boolean("IncludeManagedResources")
    volumes = await tags.list(ctx, lambda: ctx.calls.volumes.list(ctx.caller))
    if wanted:
        volumes = ctx.select(Kind.volume, wanted, volumes)
    chosen, token = page([v for v in volumes if keep(v)], paging)
    return {"volumeSet": [volume_body(v, ctx.ids, tags(v)) for v in chosen], "nextToken": token}


@action("AttachVolume", ("VolumeId", "InstanceId", "Device"), conflict="VolumeInUse")
async def attach_volume(ctx: Context, params: Params) -> Body:
    volume_id = await _volume_id(ctx, params.required("VolumeId"))
    instance_ec2 = params.required("InstanceId")
    instance_id = await ctx.resolve_one(
        Kind.instance, instance_ec2, lambda: ctx.calls.instances.list(ctx.caller)
    )
    device = _device(params.required("Device"))
    attached = await ctx.run(
        ctx.calls.volumes.attach, ctx.caller, volume_id, VolumeAttach(instance_id=instance_id, device=device)
    )
    return attachment(attached, ctx.ids)


@action("DetachVolume", ("VolumeId", "InstanceId", "Device", "Force"), conflict="IncorrectState")
async def detach_volume(ctx: Context, params: Params) -> Body:
    volume_ec2 = params.required("VolumeId")
    volume_id = await _volume_id(ctx, volume_ec2)
    params.boolean("Force")
    volume = await ctx.run(ctx.calls.volumes.get, ctx.caller, volume_id)
    instance_ec2 = params.text("InstanceId")
    if volume.instance is None or (instance_ec2 and instance_ec2 != ctx.ec2(Kind.instance, volume.instance)):
        raise Ec2Error("IncorrectState", f"Volume '{volume_ec2}' is in the 'available' state.")
    before = attachment(volume, ctx.ids, "detaching")
    await ctx.run(ctx.calls.volumes.detach, ctx.caller, volume_id)
    return before


@action("DeleteVolume", ("VolumeId",), conflict="VolumeInUse")
async def delete_volume(ctx: Context, params: Params) -> Body:
    volume_ec2 = params.required("VolumeId")
    volume_id = await _volume_id(ctx, volume_ec2)
    volume = await ctx.run(ctx.calls.volumes.get, ctx.caller, volume_id)
    if volume.instance is not None:
        raise Ec2Error(
            "VolumeInUse",
            f"Volume {volume_ec2} is currently attached to {ctx.ec2(Kind.instance, volume.instance)}",
        )
    await ctx.run(ctx.calls.volumes.delete, ctx.caller, volume_id)
    return {"return": True}


# --- snapshots -------------------------------------------------------------------------------------


def snapshots_filter(ctx: Context, tags: Callable[[Snapshot], Mapping[str, str]]) -> FilterSet[Snapshot]:
    return FilterSet[Snapshot](
        {
            "snapshot-id": lambda s: [ctx.ec2(Kind.snapshot, s.id)],
            "volume-id": lambda s: [ctx.ec2(Kind.volume, s.volume)],
            "status": lambda s: [SNAPSHOT_STATES[s.state]],
            "owner-id": lambda s: [s.owner_id],
        },
        tags=tags,
    )


@action("CreateSnapshot", ("VolumeId", "Description", "TagSpecification"))
async def create_snapshot(ctx: Context, params: Params) -> Body:
    volume_id = await _volume_id(ctx, params.required("VolumeId"))
    description = params.text("Description") or ""
    name, tags = tags_for(params, "snapshot")
    request = parse_request(SnapshotCreate, {"volume_id": volume_id, "name": name})
    volume = await ctx.run(ctx.calls.volumes.get, ctx.caller, volume_id)
    made = await ctx.run(ctx.calls.snapshots.create, ctx.caller, request)
    if tags:
        await ctx.run(ctx.calls.tags.set, ctx.caller, {TagKind.snapshot: [made.id]}, tags)
    return snapshot_body(made, ctx.ids, with_name(made.name, tags), volume.capacity_gb, description)


@action("DescribeSnapshots", ("SnapshotId", "Owner", "RestorableBy", "Filter", "MaxResults", "NextToken"))
async def describe_snapshots(ctx: Context, params: Params) -> Body:
    wanted = params.strings("SnapshotId")
    owners = {ctx.owner if o == "self" else o for o in params.strings("Owner")}
    params.strings("RestorableBy")
    tags = TagView(TagKind.snapshot)
    keep = snapshots_filter(ctx, tags).matcher(read_filters(params))
    paging = read_paging(params, 5, 1000)
    snapshots = await tags.list(ctx, lambda: ctx.calls.snapshots.list(ctx.caller))
    if wanted:
        snapshots = ctx.select(Kind.snapshot, wanted, snapshots)
    volumes = {v.id: v.capacity_gb for v in await ctx.run(ctx.calls.volumes.list, ctx.caller)}
    chosen, token = page([s for s in snapshots if (not owners or s.owner_id in owners) and keep(s)], paging)
    items = [snapshot_body(s, ctx.ids, tags(s), volumes.get(s.volume)) for s in chosen]
    return {"snapshotSet": items, "nextToken": token}


@action("DeleteSnapshot", ("SnapshotId",), conflict="InvalidSnapshot.InUse")
async def delete_snapshot(ctx: Context, params: Params) -> Body:
    snapshot_id = await ctx.resolve_one(
        Kind.snapshot, params.required("SnapshotId"), lambda: ctx.calls.snapshots.list(ctx.caller)
    )
    await ctx.run(ctx.calls.snapshots.delete, ctx.caller, snapshot_id)
    return {"return": True}
