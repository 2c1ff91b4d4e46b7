"""network_interfaces over /api: every NIC of the caller's instances that is on a Hearth network,
through the service's instance interfaces.

Deltacloud's NICs are a top-level collection with their own ids; Hearth's belong to an instance
and are known by MAC, so the id joins both (``net_views.nic_id``) and the list walks the caller's
instances. A NIC on a bridge, a host device or user networking is on no Deltacloud network and
is not listed. Create takes ``instance`` and ``network`` (a network id, or a subnet id as
Deltacloud's clients send for a driver with subnets: the NIC then joins that subnet's network,
whose first subnet with a free address it is given); ``name`` is ignored, since Hearth's NICs
are named by their MAC. Create answers 201 with Location, delete 204.
"""

from __future__ import annotations

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import InterfaceCreate, NetworkInterface, Subnet
from hearth.errors import NotFound
from hearth.vocab.nic_kinds import InterfaceType

from .answer import Answer
from .capability import requires, serves
from .context import Context
from .faults import DeltacloudError
from .net_views import nic, nic_id, parse_nic_id, subnet_of
from .params import parse, required
from .views import collection, member


def on_network(n: NetworkInterface) -> bool:
    return n.type is InterfaceType.network and n.source is not None


async def _subnets(ctx: Context, who: Caller) -> list[Subnet]:
    if not serves(ctx, Operation.subnets_list):
        return []
    return await ctx.run(ctx.service.subnets.list, who, None)


async def instance_nics(ctx: Context, who: Caller, instance_id: str) -> list[NetworkInterface]:
    """The instance's NICs on networks (none for an instance gone meanwhile)."""
    try:
        found = await ctx.run(ctx.service.interfaces.list, who, instance_id)
    except NotFound:
        return []
    return [n for n in found if on_network(n)]


def _view(ctx: Context, n: NetworkInterface, subs: list[Subnet]) -> Answer:
    view = nic(ctx.links, n, subnet_of(n, subs), serves(ctx, Operation.interfaces_delete))
    return Answer(member("network_interface", view))


@requires(Operation.interfaces_list, "network_interfaces")
async def index(ctx: Context) -> Answer:
    who = await ctx.caller()
    instances = await ctx.run(ctx.service.instances.list, who, None)
    subs = await _subnets(ctx, who)
    destroyable = serves(ctx, Operation.interfaces_delete)
    views = []
    for inst in instances:
        for n in await instance_nics(ctx, who, inst.id):
            views.append(nic(ctx.links, n, subnet_of(n, subs), destroyable))
    return Answer(collection("network_interfaces", views))


async def _find(ctx: Context, who: Caller, ident: str) -> NetworkInterface:
    """The NIC a Deltacloud id names; a malformed or unknown one is 404 ``Not Found``."""
    parts = parse_nic_id(ident)
    if parts is None:
        raise DeltacloudError(404)
    try:
        found = await ctx.run(ctx.service.interfaces.get, who, *parts)
    except NotFound:
        raise DeltacloudError(404) from None
    if not on_network(found):
        raise DeltacloudError(404)
    return found


@requires(Operation.interfaces_get, "network_interface")
async def show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return _view(ctx, await _find(ctx, who, ident), await _subnets(ctx, who))


async def _network_of(ctx: Context, who: Caller, ref: str) -> str:
    """The network a ``network`` parameter names: itself, or the network of the subnet it names
    (anything else is passed on for the service to refuse, naming it)."""
    if serves(ctx, Operation.subnets_get):
        try:
            return (await ctx.run(ctx.service.subnets.get, who, ref)).network
        except NotFound:
            pass
    return ref


@requires(Operation.interfaces_create, "create_network_interface")
async def create(ctx: Context) -> Answer:
    """An unknown instance is the service's 404; an unknown network its 400 naming it."""
    who = await ctx.caller()
    params = ctx.request.params
    instance_id = required(params, "instance")
    ref = required(params, "network")
    source = await _network_of(ctx, who, ref)
    request = parse(InterfaceCreate, {"type": InterfaceType.network.value, "source": source})
    made = await ctx.run(ctx.service.interfaces.create, who, instance_id, request)
    answer = _view(ctx, made, await _subnets(ctx, who))
    answer.status = 201
    answer.headers.append(("location", ctx.links.member("network_interfaces", nic_id(made))))
    return answer


@requires(Operation.interfaces_delete, "destroy_network_interface")
async def destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    found = await _find(ctx, who, ident)
    await ctx.run(ctx.service.interfaces.delete, who, found.instance_id, found.mac)
    return Answer(None, 204)
