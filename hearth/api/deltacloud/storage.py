"""storage_volumes and storage_snapshots over /api, mapped onto the service's volumes and
snapshots: list, show, create, delete, and a volume's attach/detach.

Deltacloud's create takes form (or query) parameters — ``capacity`` (GB, default 1 as in
Deltacloud's mock), ``name``, ``realm_id``, ``snapshot_id`` for a volume; ``volume_id``,
``name`` for a snapshot — and answers 201 with Location; attach takes ``instance_id`` and
``device`` and answers 202 with the volume, as detach does.
"""

from __future__ import annotations

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import SnapshotCreate, Volume, VolumeAttach, VolumeCreate
from hearth.service import Task

from .answer import Answer
from .capability import requires
from .context import Context
from .faults import DeltacloudError, status_named
from .params import number, parse, required
from .storage_views import snapshot, volume
from .views import collection, member

# A volume action → the operation that serves it (its link is offered only then).
_ACTION_OPS = {
    "attach": Operation.volumes_attach,
    "detach": Operation.volumes_detach,
    "destroy": Operation.volumes_delete,
}
# Deltacloud's parameter for each VolumeCreate field it names differently.
_VOLUME_PARAMS = {"capacity_gb": "capacity"}
CLONE_WAIT = 600.0  # seconds a create from a snapshot waits for the copy (Deltacloud has no tasks)
_DEV = "/dev/"


def _served(ctx: Context) -> set[str]:
    return {a for a, op in _ACTION_OPS.items() if ctx.served.supports(op)}


def _answer(ctx: Context, v: Volume, status: int = 200) -> Answer:
    return Answer(member("storage_volume", volume(ctx.links, v, _served(ctx))), status)


@requires(Operation.volumes_list, "storage_volumes")
async def volumes(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.volumes.list, who)
    served = _served(ctx)
    return Answer(collection("storage_volumes", (volume(ctx.links, v, served) for v in items)))


@requires(Operation.volumes_get, "storage_volume")
async def volume_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return _answer(ctx, await ctx.run(ctx.service.volumes.get, who, ident))


async def _cloned(ctx: Context, who: Caller, task: Task) -> Volume:
    """The volume a clone task made, once it is done: Deltacloud's create answers the volume."""
    done = await ctx.run(ctx.service.tasks.wait, who, task.id, CLONE_WAIT)
    if done.error is not None:
        raise DeltacloudError(status_named(done.error.error, done.error.code), done.error.message)
    made = (done.result or {}).get("id")
    if not isinstance(made, str):
        raise DeltacloudError(500, f"cloning the snapshot ended without a volume (task {task.id})")
    return await ctx.run(ctx.service.volumes.get, who, made)


@requires(Operation.volumes_create, "create_storage_volume")
async def volume_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    fields = {
        "capacity_gb": number(params.get("capacity") or "1"),
        "name": params.get("name"),
        "realm_id": params.get("realm_id"),
        "snapshot_id": params.get("snapshot_id"),
    }
    made = await ctx.run(ctx.service.volumes.create, who, parse(VolumeCreate, fields, _VOLUME_PARAMS))
    if isinstance(made, Task):
        made = await _cloned(ctx, who, made)
    answer = _answer(ctx, made, 201)
    answer.headers.append(("location", ctx.links.member("storage_volumes", made.id)))
    return answer


@requires(Operation.volumes_delete, "destroy_storage_volume")
async def volume_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(ctx.service.volumes.delete, who, ident)
    return Answer(None, 204)


def _device(text: str) -> str:
    """Deltacloud's clients name the device as a path (``/dev/vdb``); Hearth by its name."""
    return text[len(_DEV) :] if text.startswith(_DEV) else text


@requires(Operation.volumes_attach, "attach_storage_volume")
async def volume_attach(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    instance_id = required(params, "instance_id")
    device = _device(required(params, "device"))
    request = parse(VolumeAttach, {"instance_id": instance_id, "device": device})
    return _answer(ctx, await ctx.run(ctx.service.volumes.attach, who, ident, request), 202)


@requires(Operation.volumes_detach, "detach_storage_volume")
async def volume_detach(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return _answer(ctx, await ctx.run(ctx.service.volumes.detach, who, ident), 202)


@requires(Operation.snapshots_list, "storage_snapshots")
async def snapshots(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.snapshots.list, who)
    return Answer(collection("storage_snapshots", (snapshot(ctx.links, s) for s in items)))


@requires(Operation.snapshots_get, "storage_snapshot")
async def snapshot_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    found = await ctx.run(ctx.service.snapshots.get, who, ident)
    return Answer(member("storage_snapshot", snapshot(ctx.links, found)))


@requires(Operation.snapshots_create, "create_storage_snapshot")
async def snapshot_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    fields = {"volume_id": required(params, "volume_id"), "name": params.get("name")}
    made = await ctx.run(ctx.service.snapshots.create, who, parse(SnapshotCreate, fields))
    doc = member("storage_snapshot", snapshot(ctx.links, made))
    return Answer(doc, 201, [("location", ctx.links.member("storage_snapshots", made.id))])


@requires(Operation.snapshots_delete, "destroy_storage_snapshot")
async def snapshot_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(ctx.service.snapshots.delete, who, ident)
    return Answer(None, 204)
