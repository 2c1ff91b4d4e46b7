"""The read-only collections and the entry point: each handler asks the service and renders
(images, which also create and delete, are in images.py).

hardware_profiles, instance_states and drivers are public in Deltacloud (a client reads them to
build its create form before it has credentials); everything else needs HTTP Basic.

The entry point describes the driver the request picked from what that driver's class declares
(``ctx.served``): for a driver reached per request (EC2) it answers offline, with no credentials.
"""

from __future__ import annotations

from urllib.parse import quote

from hearth.drivers import Feature, Operation
from hearth.service.capability import CapabilityGate
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


# Features that say the backend itself names what is made (not a label Hearth keeps).
NAMED_BY_BACKEND = frozenset({"user_name"})
# Served by this server's own store whatever the driver, for Hearth's users: not by a driver whose
# requests carry a cloud's credentials instead.
LOCAL_ONLY = frozenset({"buckets"})
# Deltacloud's display names where they are not the id capitalised.
_DRIVER_NAMES = {"ec2": "EC2"}


def served_by(name: str, gate: CapabilityGate, *, remote: bool) -> bool:
    """Whether collection ``name`` is served by a driver with these capabilities."""
    if name not in COLLECTIONS or (remote and name in LOCAL_ONLY):
        return False
    op = COLLECTIONS[name]
    return op is None or gate.supports(op)


def _served(ctx: Context) -> list[str]:
    return [name for name in COLLECTIONS if served_by(name, ctx.served, remote=ctx.remote is not None)]


async def entry(ctx: Context) -> Answer:
    """The entry point; ``force_auth`` makes it check the credentials as Deltacloud does (for a
    cloud's driver, by asking the cloud for its realms: only the cloud knows its key pairs)."""
    if ctx.request.params.get("force_auth"):
        who = await ctx.caller()
        if ctx.remote is not None:
            await ctx.run(ctx.service.realms.list, who)
    asked = ctx.request.selected("provider") or ctx.request.params.get("provider")
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
            if feat is not None and not ctx.served.has(feat):
                continue
            if fname in NAMED_BY_BACKEND and ctx.served.capabilities.names_are_labels:
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


def _driver(ctx: Context, ident: str) -> tuple[Node, dict[str, object]]:
    """One driver as Deltacloud lists it: its name and, for a cloud's, each provider (region)
    with its entry points; the JSON groups the entry points by kind, then provider."""
    name = _DRIVER_NAMES.get(ident, ident.capitalize())
    node = Node("driver", {"href": ctx.links.member("drivers", ident), "id": ident})
    node.add("name", name)
    entrypoints: dict[str, dict[str, str]] = {}
    for provider, points in ctx.service.backends.providers(ident).items():
        el = node.add("provider", id=provider)
        for kind, url in points.items():
            el.add("entrypoint", url, kind=kind)
            entrypoints.setdefault(kind, {})[provider] = url
    value: dict[str, object] = {"entrypoints": entrypoints} if entrypoints else {}
    value["name"] = name
    return node, value


async def drivers(ctx: Context) -> Answer:
    """The backends this server is configured with: its own and those a request may pick.
    Deltacloud's JSON keys the drivers by id."""
    root = Node("drivers")
    value: dict[str, object] = {}
    for ident in ctx.service.backends.names():
        node, value[ident] = _driver(ctx, ident)
        root.children.append(node)
    return Answer(Document(root, value, "drivers"))


async def driver_show(ctx: Context, ident: str) -> Answer:
    if ctx.service.backends.gate(ident) is None:
        raise DeltacloudError(404, f"Driver '{ident[:64]}' is not configured on this server")
    node, value = _driver(ctx, ident)
    return Answer(member("driver", (node, {**value, "id": ident})))


async def redirect(ctx: Context) -> Answer:
    """``POST /api`` with ``driver`` (or ``provider``): Deltacloud's form for switching, a 301 to
    the entry point with the matrix parameters that pick them."""
    params = ctx.request.params
    base = ctx.links.entry
    driver, provider = params.get("driver"), params.get("provider")
    if driver:
        location = f"{base};driver={quote(driver, safe='')}"
    elif provider and provider != "default":
        location = f"{base};provider={quote(provider, safe='')}"
    else:
        location = base
    return Answer(None, status=301, headers=[("location", location)])


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
    gate = ctx.served
    served = [t for t in transitions() if gate.supports(Operation(f"instances.{t.action.value}"))]
    fmt = negotiate(ctx.request.params.get("format"), ctx.request.header("accept"))
    if fmt is Format.gv:
        return Answer(None, body=state_graph(state_table(served)).encode(), content_type=GV_TYPE)
    if fmt is Format.png:
        png = await render_png(state_graph(state_table(served)))
        return Answer(None, body=png, content_type=PNG_TYPE)
    return Answer(instance_states(served))
