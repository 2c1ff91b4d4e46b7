"""storage_volumes and storage_snapshots over /api, mapped onto the service's volumes and
snapshots: list, show, create, delete, and a volume's attach/detach.

Deltacloud's create takes form (or query) parameters — ``capacity`` (GB), ``name``,
``realm_id``, ``snapshot_id`` for a volume; ``volume_id``, ``name`` for a snapshot — and answers
201 with Location; attach takes ``instance_id`` and ``device`` and answers 202 with the volume.
A volume's state is written ``IN-USE`` as Deltacloud writes it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hearth.drivers.resources import Snapshot, SnapshotCreate, Volume, VolumeAttach, VolumeCreate
from hearth.service import Task

from .answer import Answer
from .context import Context
from .document import Node
from .faults import DeltacloudError
from .links import Links
from .views import collection, member

_STATE = {"IN_USE": "IN-USE"}
M = TypeVar("M", bound=BaseModel)


def _invalid(exc: ValidationError) -> DeltacloudError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "request"
    return DeltacloudError(400, f"Parameter {where}: {first.get('msg', 'invalid')}")


def _parse(model: type[M], fields: dict[str, Any]) -> M:
    try:
        return model.model_validate({k: v for k, v in fields.items() if v not in (None, "")})
    except ValidationError as exc:
        raise _invalid(exc) from None


def _number(text: str) -> int | str:
    """Form values are text; a number comes as digits (anything else is refused as not one)."""
    return int(text) if text.isdigit() else text


def _required(ctx: Context, name: str) -> str:
    value = ctx.request.params.get(name)
    if not value:
        given = ",".join(sorted(ctx.request.params))
        raise DeltacloudError(400, f"Required parameter '{name}' not found in [{given}]")
    return value


def volume(links: Links, v: Volume) -> tuple[Node, Any]:
    href = links.member("storage_volumes", v.id)
    state = _STATE.get(v.state.value, v.state.value)
    node = Node("storage_volume", {"href": href, "id": v.id})
    node.add("created", v.created.isoformat())
    node.add("capacity", v.capacity_gb, unit="GB")
    node.add("name", v.name)
    if v.device is not None:
        node.add("device", v.device)
    realm = links.member("realms", v.realm)
    node.add("realm", href=realm, id=v.realm)
    node.add("realm_id", v.realm)
    node.add("state", state)
    value: dict[str, Any] = {
        "id": v.id,
        "href": href,
        "name": v.name,
        "state": state,
        "created": v.created.isoformat(),
        "realm": {"id": v.realm, "href": realm, "rel": "realm"},
        "device": v.device,
        "capacity": v.capacity_gb,
        "instance": {},
    }
    actions = node.add("actions")
    value["actions"] = []
    if v.instance is None:
        links_for = [("attach", "post", f"{href}/attach"), ("destroy", "delete", href)]
    else:
        links_for = [("detach", "post", f"{href}/detach")]
    for rel, method, target in links_for:
        actions.add("link", href=target, method=method, rel=rel)
        value["actions"].append({"rel": rel, "method": method, "href": target})
    if v.instance is not None:
        inst = links.member("instances", v.instance)
        mount = node.add("mount")
        mount.add("instance", href=inst, id=v.instance)
        mount.add("device", name=v.device)
        value["instance"] = {"id": v.instance, "href": inst, "rel": "instance"}
    return node, value


def snapshot(links: Links, s: Snapshot) -> tuple[Node, Any]:
    href = links.member("storage_snapshots", s.id)
    node = Node("storage_snapshot", {"href": href, "id": s.id})
    node.add("name", s.name)
    node.add("created", s.created.isoformat())
    node.add("state", s.state.value)
    vol = links.member("storage_volumes", s.volume)
    node.add("storage_volume", href=vol, id=s.volume)
    node.add("actions").add("link", href=href, method="delete", rel="destroy")
    return node, {
        "id": s.id,
        "href": href,
        "name": s.name,
        "state": s.state.value,
        "created": s.created.isoformat(),
        "storage_volume": {"id": s.volume, "href": vol, "rel": "storage_volume"},
    }


async def volumes(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.volumes.list, who)
    return Answer(collection("storage_volumes", (volume(ctx.links, v) for v in items)))


async def volume_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return Answer(member("storage_volume", volume(ctx.links, await ctx.run(ctx.service.volumes.get, who, ident))))


async def volume_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    fields = {
        "capacity_gb": _number(params.get("capacity") or "1"),  # Deltacloud's mock default: 1 GB
        "name": params.get("name"),
        "realm_id": params.get("realm_id"),
        "snapshot_id": params.get("snapshot_id"),
    }
    made = await ctx.run(ctx.service.volumes.create, who, _parse(VolumeCreate, fields))
    if isinstance(made, Task):  # a long copy from a snapshot: accepted, listed once it is done
        return Answer(None, 202)
    doc = member("storage_volume", volume(ctx.links, made))
    return Answer(doc, 201, [("location", ctx.links.member("storage_volumes", made.id))])


async def volume_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(ctx.service.volumes.delete, who, ident)
    return Answer(None, 204)


async def volume_attach(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    fields = {"instance_id": _required(ctx, "instance_id"), "device": _required(ctx, "device")}
    request = _parse(VolumeAttach, fields)
    done = await ctx.run(ctx.service.volumes.attach, who, ident, request)
    return Answer(member("storage_volume", volume(ctx.links, done)), 202)


async def volume_detach(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    done = await ctx.run(ctx.service.volumes.detach, who, ident)
    return Answer(member("storage_volume", volume(ctx.links, done)), 202)


async def snapshots(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.snapshots.list, who)
    return Answer(collection("storage_snapshots", (snapshot(ctx.links, s) for s in items)))


async def snapshot_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    found = await ctx.run(ctx.service.snapshots.get, who, ident)
    return Answer(member("storage_snapshot", snapshot(ctx.links, found)))


async def snapshot_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    fields = {"volume_id": _required(ctx, "volume_id"), "name": ctx.request.params.get("name")}
    made = await ctx.run(ctx.service.snapshots.create, who, _parse(SnapshotCreate, fields))
    doc = member("storage_snapshot", snapshot(ctx.links, made))
    return Answer(doc, 201, [("location", ctx.links.member("storage_snapshots", made.id))])


async def snapshot_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(ctx.service.snapshots.delete, who, ident)
    return Answer(None, 204)
