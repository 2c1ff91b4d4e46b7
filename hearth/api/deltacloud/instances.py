"""Instances and keys: list, show, create, actions, delete, all through the service.

Deltacloud's create takes form (or query) parameters — image_id, realm_id, hwp_id, hwp_<prop>,
name, keyname, user_data — and answers 201 with Location. An action on an unknown instance is
403 and one the state does not allow is 405, as Deltacloud answers them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from hearth.drivers import Caller, Operation
from hearth.drivers.operations import ACTION_OPERATIONS
from hearth.drivers.resources import Action, Instance, InstanceCreate, InstanceFilter, KeyCreate, KeyImport
from hearth.errors import NotFound

from .answer import Answer
from .capability import requires
from .context import Context
from .document import Node
from .faults import DeltacloudError, missing_capability
from .net_views import nic_id
from .nics import instance_nics
from .params import invalid, number, required
from .views import Mounts, collection, instance, key, member

# The create parameters Deltacloud names hwp_<property> → Hearth's override names.
_HWP = {"hwp_memory": "memory", "hwp_cpu": "cpu", "hwp_storage": "storage"}
_DEFAULT_HWP = "hwp_id"


@requires(Operation.instances_list, "instances")
async def index(ctx: Context) -> Answer:
    """The caller's instances; ``realm_id`` and ``state`` narrow them (Deltacloud's filters)."""
    who = await ctx.caller()
    params = ctx.request.params
    wanted = {k: params[k] for k in ("realm_id", "state") if params.get(k)}
    try:
        filters = InstanceFilter.model_validate(wanted) if wanted else None
    except ValidationError as exc:
        raise invalid(exc) from None
    items = await ctx.run(ctx.service.instances.list, who, filters)
    ids = await _key_ids(ctx, who)
    mounts = await _mounts(ctx, who)
    capturable = _capturable(ctx)
    views = [instance(ctx.links, i, ids, mounts, capturable, await _nics(ctx, who, i)) for i in items]
    return Answer(collection("instances", views))


@requires(Operation.instances_get, "instance")
async def show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    found = await ctx.run(ctx.service.instances.get, who, ident)
    return Answer(member("instance", await _view(ctx, who, found)))


async def _view(
    ctx: Context, who: Caller, found: Instance, key_ids: dict[str, str] | None = None
) -> tuple[Node, Any]:
    """One instance as Deltacloud shows it: its key by id, its attached volumes."""
    ids = key_ids if key_ids is not None else await _key_ids(ctx, who)
    mounts = await _mounts(ctx, who)
    return instance(ctx.links, found, ids, mounts, _capturable(ctx), await _nics(ctx, who, found))


async def _nics(ctx: Context, who: Caller, found: Instance) -> list[str]:
    """The ids of the instance's network_interfaces (its NICs on networks), when the backend
    lists NICs."""
    if not ctx.served.supports(Operation.interfaces_list):
        return []
    return [nic_id(n) for n in await instance_nics(ctx, who, found.id)]


def _capturable(ctx: Context) -> bool:
    """Whether the backend makes images from instances (a stopped one then links create_image)."""
    return ctx.served.supports(Operation.images_create)


async def _key_ids(ctx: Context, who: Caller) -> dict[str, str]:
    """Key name → key id: Deltacloud names an instance's key by the key's id (its ``keyname``
    is what /api/keys lists as ``id``), Hearth's instances by the key's name."""
    if not ctx.served.supports(Operation.keys_list):
        return {}
    return {k.name: k.id for k in await ctx.run(ctx.service.keys.list, who)}


async def _mounts(ctx: Context, who: Caller) -> Mounts:
    """Instance id → the volumes attached to it: Deltacloud's instance lists its volumes, Hearth's
    volumes name their instance."""
    if not ctx.served.supports(Operation.volumes_list):
        return {}
    found: Mounts = {}
    for v in await ctx.run(ctx.service.volumes.list, who):
        if v.instance is not None:
            found.setdefault(v.instance, []).append((v.id, v.device))
    return found


def _key_name(key_ids: dict[str, str], keyname: str | None) -> str | None:
    """The name of the key a create's ``keyname`` names, by id as Deltacloud's clients send it
    or by name; an unknown one is passed on for the service to refuse."""
    if not keyname:
        return None
    by_id = {v: k for k, v in key_ids.items()}
    return by_id.get(keyname, keyname)


async def _default_hwp(ctx: Context) -> str:
    who = await ctx.caller()
    profiles = await ctx.run(ctx.service.hardware_profiles.list, who)
    if not profiles:
        raise DeltacloudError(400, "Parameter hwp_id required: the driver has no hardware profiles")
    return profiles[0].id


@requires(Operation.instances_create, "create_instance")
async def create(ctx: Context) -> Answer:
    params = ctx.request.params
    who = await ctx.caller()
    image_id = required(params, "image_id")
    key_ids = await _key_ids(ctx, who)
    fields: dict[str, Any] = {
        "image_id": image_id,
        "hwp_id": params.get(_DEFAULT_HWP) or await _default_hwp(ctx),
        "realm_id": params.get("realm_id") or None,
        "name": params.get("name") or None,
        "key_name": _key_name(key_ids, params.get("keyname")),
        "user_data": params.get("user_data") or None,
        "hwp_overrides": {name: number(params[p]) for p, name in _HWP.items() if params.get(p)},
    }
    try:
        request = InstanceCreate.model_validate(fields)
    except ValidationError as exc:
        raise invalid(exc) from None
    made = await ctx.run(ctx.service.instances.create, who, request)
    if not isinstance(made, Instance):
        raise DeltacloudError(500, "the backend answered a task for a single create")
    doc = member("instance", await _view(ctx, who, made, key_ids))
    return Answer(doc, 201, [("location", ctx.links.member("instances", made.id))])


async def act(ctx: Context, ident: str, action: str) -> Answer:
    try:
        chosen = Action(action)
    except ValueError:
        raise DeltacloudError(404, f"no action {action} on instances") from None
    if not ctx.served.supports(ACTION_OPERATIONS[chosen]):
        raise missing_capability(f"{chosen.value}_instance")
    who = await ctx.caller()
    try:
        done = await ctx.run(ctx.service.instances.act, who, ident, chosen)
    except NotFound as exc:
        raise DeltacloudError(403, exc.message) from None
    return Answer(member("instance", await _view(ctx, who, done)), 202)


async def destroy(ctx: Context, ident: str) -> Answer:
    """DELETE is destroy without a document (204); POST .../destroy answers the instance (202)."""
    await act(ctx, ident, Action.destroy.value)
    return Answer(None, 204)


@requires(Operation.keys_list, "keys")
async def keys(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.keys.list, who)
    return Answer(collection("keys", (key(ctx.links, k) for k in items)))


@requires(Operation.keys_get, "key")
async def key_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return Answer(member("key", key(ctx.links, await ctx.run(ctx.service.keys.get, who, ident))))


async def key_create(ctx: Context) -> Answer:
    """A new key pair (its private key shown this once), or with ``public_key`` an imported one."""
    params = ctx.request.params
    public = params.get("public_key")
    if not ctx.served.supports(Operation.keys_import if public else Operation.keys_create):
        raise missing_capability("create_key")
    who = await ctx.caller()
    name = required(params, "name")
    try:
        if public:
            imported = await ctx.run(ctx.service.keys.import_, who, KeyImport(name=name, public_key=public))
            doc = member("key", key(ctx.links, imported))
            return Answer(doc, 201, [("location", ctx.links.member("keys", imported.id))])
        request = KeyCreate.model_validate({"name": name})
    except ValidationError as exc:
        raise invalid(exc) from None
    made = await ctx.run(ctx.service.keys.create, who, request)
    doc = member("key", key(ctx.links, made, made.private_key))
    return Answer(doc, 201, [("location", ctx.links.member("keys", made.id))])


@requires(Operation.keys_delete, "destroy_key")
async def key_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(ctx.service.keys.delete, who, ident)
    return Answer(None, 204)
