"""The read-only collections and the entry point: each handler asks the service and renders
(images, which also create and delete, are in images.py).

hardware_profiles, instance_states and drivers are public in Deltacloud (a client reads them to
build its create form before it has credentials); everything else needs HTTP Basic.
"""

from __future__ import annotations

from hearth.drivers import Feature, Operation
from hearth.service.instance_states import transitions

from .answer import Answer
from .context import Context
from .document import Document, Node
from .faults import DeltacloudError
from .formats import Format, negotiate
from .graph import GV_TYPE, PNG_TYPE, render_png, state_graph
from .views import collection, hardware_profile, instance_states, member, realm, state_table

VERSION = "1.1.3"

# Deltacloud collection → the operation that makes it served (None: always served).
COLLECTIONS: dict[str, Operation | None] = {
    "addresses": Operation.addresses_list,
    "buckets": None,  # the service's blob store, whatever the driver
    "drivers": None,
    "hardware_profiles": Operation.hardware_profiles_list,
    "images": Operation.images_list,
    "instance_states": Operation.instances_list,
    "instances": Operation.instances_list,
    "keys": Operation.keys_list,
    "metrics": Operation.instances_metrics,
    "network_interfaces": Operation.interfaces_list,
    "networks": Operation.networks_list,
    "realms": Operation.realms_list,
    "storage_snapshots": Operation.snapshots_list,
    "storage_volumes": Operation.volumes_list,
    "subnets": Operation.subnets_list,
}
# Features Deltacloud advertises under a collection: (name, rel, params) and the driver feature
# they need (None: create alone, which the collection being served implies).
FEATURES: dict[str, list[tuple[str, str, list[str], Feature | None]]] = {
    "instances": [
        ("user_name", "create", ["name"], None),
        ("user_data", "create", ["user_data"], Feature.user_data),
        ("authentication_key", "create", ["keyname"], Feature.authentication_key),
        ("realm_filter", "index", ["realm_id"], Feature.realm_filter),
    ],
    "storage_volumes": [("volume_name", "create", ["name"], Feature.volume_name)],
}


def _served(ctx: Context) -> list[str]:
    gate = ctx.service.gate
    return [name for name, op in COLLECTIONS.items() if op is None or gate.supports(op)]


async def entry(ctx: Context) -> Answer:
    """The entry point; ``force_auth`` makes it check the credentials as Deltacloud does."""
    if ctx.request.params.get("force_auth"):
        await ctx.caller()
    asked = ctx.request.params.get("provider")
    provider = asked or "default"
    root = Node("api", {"driver": ctx.driver_name, "version": VERSION})
    if asked:  # Deltacloud's XML names a provider only when one was chosen; its JSON always does
        root.attrs["provider"] = asked
    links = []
    for name in _served(ctx):
        href = ctx.links.collection(name)
        link = root.add("link", href=href, rel=name)
        features = []
        for fname, rel, params, feat in FEATURES.get(name, []):
            if feat is not None and not ctx.service.gate.has(feat):
                continue
            feature = link.add("feature", name=fname, rel=rel)
            for p in params:
                feature.add("param", name=p)
            features.append(
                [
                    {
                        "name": fname,
                        "rel": rel,
                        "params": [f"{p}:string:optional" for p in params],
                        "constraints": {},
                    }
                ]
            )
        links.append({"rel": name, "href": href, "features": features})
    value = {"api": {"version": VERSION, "driver": ctx.driver_name, "provider": provider, "links": links}}
    return Answer(Document(root, value, f"Deltacloud API {VERSION}"))


async def drivers(ctx: Context) -> Answer:
    """The one backend this server is configured with: Hearth serves one driver per server.
    Deltacloud's JSON keys the drivers by id."""
    root = Node("drivers")
    href = ctx.links.member("drivers", ctx.driver_name)
    el = root.add("driver", href=href, id=ctx.driver_name)
    el.add("name", ctx.driver_name.capitalize())
    return Answer(Document(root, {ctx.driver_name: {"name": ctx.driver_name.capitalize()}}, "drivers"))


async def driver_show(ctx: Context, ident: str) -> Answer:
    if ident != ctx.driver_name:
        raise DeltacloudError(404)
    href = ctx.links.member("drivers", ident)
    node = Node("driver", {"href": href, "id": ident})
    node.add("name", ident.capitalize())
    return Answer(member("driver", (node, {"name": ident.capitalize(), "id": ident})))


async def realms(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.realms.list, who)
    return Answer(collection("realms", (realm(ctx.links, r) for r in items)))


async def realm_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return Answer(member("realm", realm(ctx.links, await ctx.run(ctx.service.realms.get, who, ident))))


async def hardware_profiles(ctx: Context) -> Answer:
    who = await ctx.service_caller()
    items = await ctx.run(ctx.service.hardware_profiles.list, who)
    return Answer(collection("hardware_profiles", (hardware_profile(ctx.links, h) for h in items)))


async def hardware_profile_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.service_caller()
    found = await ctx.run(ctx.service.hardware_profiles.get, who, ident)
    return Answer(member("hardware_profile", hardware_profile(ctx.links, found)))


async def states(ctx: Context) -> Answer:
    """The shared state machine, with only the actions this driver serves."""
    gate = ctx.service.gate
    served = [t for t in transitions() if gate.supports(Operation(f"instances.{t.action.value}"))]
    fmt = negotiate(ctx.request.params.get("format"), ctx.request.header("accept"))
    if fmt is Format.gv:
        return Answer(None, body=state_graph(state_table(served)).encode(), content_type=GV_TYPE)
    if fmt is Format.png:
        png = await render_png(state_graph(state_table(served)))
        return Answer(None, body=png, content_type=PNG_TYPE)
    return Answer(instance_states(served))
