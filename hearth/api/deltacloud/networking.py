"""addresses, networks and subnets over /api, through the service's addresses, networks and
subnets.

Deltacloud's address create takes nothing and answers 201 with Location; associate takes
``instance_id`` and, like disassociate, answers 202 with no document. A network's create takes
``name`` and ``address_block``, a subnet's ``network_id``, ``address_block`` and ``name``; Hearth
needs a name and a block where Deltacloud's mock made them up, so a missing block is a 400
naming it and a missing name is made (``net-<ms>``, ``subnet-<ms>``), as Deltacloud's mock
made its ids. Deletes answer 204; a network that still has subnets is refused (409), where
Deltacloud's mock deleted its subnets with it. An unknown id is 404 ``Not Found``, Deltacloud's
words; an operation the backend lacks is 412 naming the capability.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TypeVar

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import AddressCreate, NetworkCreate, Subnet, SubnetCreate
from hearth.errors import NotFound

from .answer import Answer
from .capability import requires, serves
from .context import Context
from .faults import DeltacloudError
from .net_views import address, network, subnet
from .params import parse, required
from .views import collection, member

T = TypeVar("T")
_ADDRESS_ACTIONS = {
    "destroy": Operation.addresses_delete,
    "associate": Operation.addresses_associate,
    "disassociate": Operation.addresses_disassociate,
}
_BLOCKS = {"address_blocks": "address_block"}  # Hearth's field → Deltacloud's parameter


async def found(call: Awaitable[T]) -> T:
    """The result of a read by id; an unknown id is Deltacloud's plain 404 ``Not Found``."""
    try:
        return await call
    except NotFound:
        raise DeltacloudError(404) from None


def _created(ctx: Context, plural: str, ident: str, answer: Answer) -> Answer:
    answer.status = 201
    answer.headers.append(("location", ctx.links.member(plural, ident)))
    return answer


def _deletable(ctx: Context, who: Caller, owner_id: str, operation: Operation) -> bool:
    """Whether a network or subnet links destroy: the backend deletes them and this caller may
    delete this one (its own; a shared one only an admin)."""
    return (owner_id == who.user_id or who.is_admin) and serves(ctx, operation)


def _default_name(stem: str) -> str:
    """Deltacloud's mock named by the second; the millisecond keeps two quick creates apart."""
    return f"{stem}-{time.time_ns() // 1_000_000}"


# --- addresses --------------------------------------------------------------------------------


def _address_served(ctx: Context) -> set[str]:
    return {a for a, op in _ADDRESS_ACTIONS.items() if serves(ctx, op)}


@requires(Operation.addresses_list, "addresses")
async def addresses(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.addresses.list, who)
    served = _address_served(ctx)
    return Answer(collection("addresses", (address(ctx.links, a, served) for a in items)))


@requires(Operation.addresses_get, "address")
async def address_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    got = await found(ctx.run(ctx.service.addresses.get, who, ident))
    return Answer(member("address", address(ctx.links, got, _address_served(ctx))))


@requires(Operation.addresses_create, "create_address")
async def address_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    made = await ctx.run(ctx.service.addresses.create, who, AddressCreate())
    answer = Answer(member("address", address(ctx.links, made, _address_served(ctx))))
    return _created(ctx, "addresses", made.id, answer)


@requires(Operation.addresses_delete, "destroy_address")
async def address_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await found(ctx.run(ctx.service.addresses.delete, who, ident))
    return Answer(None, 204)


@requires(Operation.addresses_associate, "associate_address")
async def address_associate(ctx: Context, ident: str) -> Answer:
    """An unknown address is 404; an unknown instance the service's 404 naming it."""
    who = await ctx.caller()
    instance_id = required(ctx.request.params, "instance_id")
    await found(ctx.run(ctx.service.addresses.get, who, ident))
    await ctx.run(ctx.service.addresses.associate, who, ident, instance_id)
    return Answer(None, 202)


@requires(Operation.addresses_disassociate, "disassociate_address")
async def address_disassociate(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await found(ctx.run(ctx.service.addresses.disassociate, who, ident))
    return Answer(None, 202)


# --- networks ---------------------------------------------------------------------------------


def _subnet_ids(subnets: list[Subnet]) -> dict[str, list[str]]:
    """Network id → its subnets' ids, in the order the service lists them."""
    ids: dict[str, list[str]] = {}
    for s in subnets:
        ids.setdefault(s.network, []).append(s.id)
    return ids


async def _all_subnets(ctx: Context, who: Caller, network_id: str | None = None) -> list[Subnet]:
    if not serves(ctx, Operation.subnets_list):
        return []
    return await ctx.run(ctx.service.subnets.list, who, network_id)


@requires(Operation.networks_list, "networks")
async def networks(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.networks.list, who)
    subs = _subnet_ids(await _all_subnets(ctx, who))
    op = Operation.networks_delete
    views = (network(ctx.links, n, subs.get(n.id, []), _deletable(ctx, who, n.owner_id, op)) for n in items)
    return Answer(collection("networks", views))


async def _network_answer(ctx: Context, who: Caller, net_id: str) -> Answer:
    got = await found(ctx.run(ctx.service.networks.get, who, net_id))
    subs = [s.id for s in await _all_subnets(ctx, who, got.id)]
    view = network(ctx.links, got, subs, _deletable(ctx, who, got.owner_id, Operation.networks_delete))
    return Answer(member("network", view))


@requires(Operation.networks_get, "network")
async def network_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return await _network_answer(ctx, who, ident)


@requires(Operation.networks_create, "create_network")
async def network_create(ctx: Context) -> Answer:
    who = await ctx.caller()
    params = ctx.request.params
    block = required(params, "address_block")
    name = params.get("name") or _default_name("net")
    request = parse(NetworkCreate, {"name": name, "address_blocks": [block]}, _BLOCKS)
    made = await ctx.run(ctx.service.networks.create, who, request)
    view = network(ctx.links, made, [], _deletable(ctx, who, made.owner_id, Operation.networks_delete))
    return _created(ctx, "networks", made.id, Answer(member("network", view)))


@requires(Operation.networks_delete, "destroy_network")
async def network_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await found(ctx.run(ctx.service.networks.delete, who, ident))
    return Answer(None, 204)


# --- subnets ----------------------------------------------------------------------------------


def _subnet_view(ctx: Context, who: Caller, s: Subnet) -> Answer:
    view = subnet(ctx.links, s, _deletable(ctx, who, s.owner_id, Operation.subnets_delete))
    return Answer(member("subnet", view))


@requires(Operation.subnets_list, "subnets")
async def subnets(ctx: Context) -> Answer:
    who = await ctx.caller()
    items = await ctx.run(ctx.service.subnets.list, who, None)
    op = Operation.subnets_delete
    views = (subnet(ctx.links, s, _deletable(ctx, who, s.owner_id, op)) for s in items)
    return Answer(collection("subnets", views))


@requires(Operation.subnets_get, "subnet")
async def subnet_show(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    return _subnet_view(ctx, who, await found(ctx.run(ctx.service.subnets.get, who, ident)))


@requires(Operation.subnets_create, "create_subnet")
async def subnet_create(ctx: Context) -> Answer:
    """An unknown network is the service's 404 naming it."""
    who = await ctx.caller()
    params = ctx.request.params
    fields = {
        "network_id": required(params, "network_id"),
        "address_block": required(params, "address_block"),
        "name": params.get("name") or _default_name("subnet"),
    }
    made = await ctx.run(ctx.service.subnets.create, who, parse(SubnetCreate, fields))
    return _created(ctx, "subnets", made.id, _subnet_view(ctx, who, made))


@requires(Operation.subnets_delete, "destroy_subnet")
async def subnet_destroy(ctx: Context, ident: str) -> Answer:
    who = await ctx.caller()
    await found(ctx.run(ctx.service.subnets.delete, who, ident))
    return Answer(None, 204)
