"""Networks and subnets of the qemu driver: Linux bridges it makes, with NAT and DHCP (``hostnets``).

A network's row records its bridge; each subnet is one address block on that bridge, served by
the network's dnsmasq, so creating or deleting a subnet re-applies the network's host side. A
guest NIC on a network is a tap on its bridge (``hostnics``); the guest's address there is what
dnsmasq leased to its MAC (``bindings``). Opening the driver reconciles the host with the rows
(``reconcile``): every network's host side is made again (a host reboot loses bridges and
dnsmasq), and whatever an earlier run left for a network that has no row is removed.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.errors import Conflict, HearthError, ValidationError
from hearth.store import new_id
from hearth.vocab.nic_kinds import InterfaceType

from .. import network_rules
from ..caller import Caller
from ..parts import NetworksPart, SubnetsPart
from ..resources import Network, NetworkCreate, NetworkUpdate, Subnet, SubnetCreate, SubnetUpdate
from . import design, hostnets, hostnics
from .context import QemuContext
from .rows import NETWORKS, SUBNETS
from .tables import QemuInstance, QemuNetwork, QemuSubnet

log = logging.getLogger(__name__)


class Networks(NetworksPart):
    context: QemuContext

    def list_networks(self, caller: Caller) -> list[Network]:
        return NETWORKS.list(self.context, caller)

    def get_network(self, caller: Caller, network_id: str) -> Network:
        return NETWORKS.get(self.context, caller, network_id)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        network_id = new_id()
        bridge = hostnets.bridge_name(network_id)
        where = self.context.layout.network_dir(bridge)
        row = QemuNetwork(
            id=network_id,
            name=request.name,
            owner_id=caller.user_id,
            address_blocks=list(request.address_blocks),
            bridge=bridge,
        )
        try:
            hostnets.apply(bridge, where, [])  # the bridge, empty until its first subnet
        except BaseException:
            hostnets.remove(bridge, where)
            raise
        return NETWORKS.create(self.context, row, lambda: hostnets.remove(bridge, where))

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        def edit(s: Session, row: QemuNetwork) -> None:
            network_rules.change_network(row, SUBNETS.of(s, row.id), request)

        return NETWORKS.change(self.context, caller, network_id, edit)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        def check(s: Session, row: QemuNetwork) -> None:
            network_rules.check_network_deletable(row.id, SUBNETS.count_of(s, row.id))
            users = instances_on(self.context, s, row.id)
            if users:
                raise Conflict(
                    f"network {row.id} is used by instance(s) {', '.join(users)}; remove their NICs first",
                    network=row.id,
                )
            hostnets.remove(row.bridge, self.context.layout.network_dir(row.bridge))

        NETWORKS.delete(self.context, caller, network_id, check)


class Subnets(SubnetsPart):
    context: QemuContext

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        where = () if network_id is None else (QemuSubnet.network_id == network_id,)
        return SUBNETS.list(self.context, caller, *where)

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        return SUBNETS.get(self.context, caller, subnet_id)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        with self.context.write() as s:
            net = NETWORKS.row(s, caller, request.network_id, modify=True)
            siblings = SUBNETS.of(s, net.id)
            network_rules.check_new_subnet(request.address_block, net, siblings)
            if hostnets.gateway(request.address_block).network.num_addresses < 4:
                raise ValidationError(
                    f"subnet {request.address_block} is too small: the qemu driver needs at least a /30 "
                    "(a gateway and an address to lease)",
                    address_block=request.address_block,
                )
            row = QemuSubnet(
                id=new_id(),
                name=request.name,
                owner_id=net.owner_id,
                network_id=net.id,
                address_block=request.address_block,
            )
            blocks = [x.address_block for x in siblings] + [row.address_block]
            hostnets.apply(net.bridge, self.context.layout.network_dir(net.bridge), blocks)
            return SUBNETS.add(s, row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        return SUBNETS.rename(self.context, caller, subnet_id, request.name)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        def check(s: Session, row: QemuSubnet) -> None:
            net = s.get(QemuNetwork, row.network_id)
            assert net is not None  # the foreign key
            users = instances_on(self.context, s, net.id)
            if users:
                raise Conflict(
                    f"subnet {row.id} is in use by instance(s) {', '.join(users)} on its network",
                    subnet=row.id,
                )
            kept = [x.address_block for x in SUBNETS.of(s, net.id) if x.id != row.id]
            hostnets.apply(net.bridge, self.context.layout.network_dir(net.bridge), kept)

        SUBNETS.delete(self.context, caller, subnet_id, check)


def resolve(ctx: QemuContext, caller: Caller, ref: str) -> str:
    """The id of the network a NIC joins, named by id or name; one the caller cannot see, or
    whose bridge is not on the host, is unknown (ValidationError naming it)."""
    with ctx.read() as s:
        row = NETWORKS.by_ref(s, caller, ref)
        if row is None:
            raise NETWORKS.unknown(ref)
    hostnics.check_source(InterfaceType.network, row.id)
    return row.id


def instances_on(ctx: QemuContext, s: Session, network_id: str) -> list[str]:
    """Ids of this driver's instances with a NIC on the network (in their saved design)."""
    users = []
    for instance_id in s.scalars(select(QemuInstance.id)):
        where = ctx.layout.instance_dir(instance_id)
        if where.exists() and any(
            i.type == "network" and i.source_network == network_id
            for i in design.load(where).devices.interfaces
        ):
            users.append(instance_id)
    return users


def reconcile(ctx: QemuContext) -> None:
    """Make the host side of every network again, and remove what no network row claims."""
    with ctx.read() as s:
        nets = list(s.scalars(select(QemuNetwork)))
        wanted = {net.bridge: [x.address_block for x in SUBNETS.of(s, net.id)] for net in nets}
    for bridge, blocks in wanted.items():
        try:
            hostnets.apply(bridge, ctx.layout.network_dir(bridge), blocks)
        except HearthError as exc:
            log.warning("network bridge %s: %s", bridge, exc.message)
    made = (p for p in ctx.layout.networks.iterdir() if p.name.startswith(hostnets.BRIDGE_PREFIX))
    for leftover in sorted(p for p in made if p.name not in wanted):
        try:
            hostnets.remove(leftover.name, leftover)
        except HearthError as exc:
            log.warning("leftover network bridge %s: %s", leftover.name, exc.message)


def remove_host_networks(ctx: QemuContext) -> None:
    """Remove the host side of every network this state directory made."""
    for made in sorted(ctx.layout.networks.iterdir()):
        if made.name.startswith(hostnets.BRIDGE_PREFIX):
            hostnets.remove(made.name, made)
