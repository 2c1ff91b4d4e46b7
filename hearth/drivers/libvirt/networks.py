"""Networks and subnets as libvirt networks and their ``<ip>`` blocks.

Two kinds of network are shown:

* host networks named in ``shared_networks`` (libvirt's ``default``): shared by every tenant, id =
  their libvirt name, subnets = their ``<ip>`` blocks (ids ``<network>_<address>_<prefix>``);
* networks created through Hearth: isolated libvirt networks named ``<prefix>net-<id8>``, rows in
  the store for ownership and names; each subnet is one ``<ip>`` block of the definition.

Addresses on them are DHCP reservations (``dhcp``); libvirt has no public addresses.
"""

from __future__ import annotations

import ipaddress

import libvirt
from sqlalchemy.orm import Session

from hearth.domain import DHCPHost, DHCPRange, NetworkIP
from hearth.domain import Network as NetworkXML
from hearth.errors import Conflict, NotFound, ValidationError
from hearth.store import new_id

from .. import network_rules
from ..caller import EPOCH, SYSTEM_OWNER, Caller, ensure_modifiable
from ..parts import NetworksPart, SubnetsPart
from ..resources import Network, NetworkCreate, NetworkUpdate, Subnet, SubnetCreate, SubnetUpdate
from .connection import Link
from .context import LibvirtContext
from .errors import is_code
from .netinfo import block_of, net_info, network_xml, shared_subnet_id
from .rows import NETWORKS, SUBNETS
from .tables import LibvirtNetwork, LibvirtSubnet


class Networks(NetworksPart):
    context: LibvirtContext

    def list_networks(self, caller: Caller) -> list[Network]:
        return _shared_networks(self.context) + NETWORKS.list(self.context, caller)

    def get_network(self, caller: Caller, network_id: str) -> Network:
        for net in _shared_networks(self.context):
            if net.id == network_id:
                return net
        return NETWORKS.get(self.context, caller, network_id)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        ctx = self.context
        link = ctx.default_link()
        network_id = new_id()
        row = LibvirtNetwork(
            id=network_id,
            name=request.name,
            owner_id=caller.user_id,
            realm_id=link.host.realm,
            libvirt_name=f"{ctx.config.prefix}net-{network_id[:8]}",
            address_blocks=list(request.address_blocks),
        )
        xml = NetworkXML(name=row.libvirt_name)
        xml.bridge_stp = True

        def define(c: libvirt.virConnect) -> None:
            net = c.networkDefineXML(xml.to_xml())
            try:
                net.create()
            except libvirt.libvirtError:
                net.undefine()
                raise

        link.run(f"creating network {request.name}", define)
        return NETWORKS.create(ctx, row, lambda: _drop_libvirt_network(link, row.libvirt_name))

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        if network_id in self.context.config.shared_networks:
            ensure_modifiable(caller, "network", network_id, SYSTEM_OWNER)
            raise ValidationError(f"network {network_id} is a host network; change it on the host")

        def edit(s: Session, row: LibvirtNetwork) -> None:
            network_rules.change_network(row, SUBNETS.of(s, row.id), request)

        return NETWORKS.change(self.context, caller, network_id, edit)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        if network_id in self.context.config.shared_networks:
            ensure_modifiable(caller, "network", network_id, SYSTEM_OWNER)
            raise ValidationError(f"network {network_id} is a host network; Hearth does not delete it")

        def check(s: Session, row: LibvirtNetwork) -> None:
            network_rules.check_network_deletable(row.id, SUBNETS.count_of(s, row.id))
            link = self.context.link(row.realm_id)
            users = _instances_using(self.context, link, row.libvirt_name)
            if users:
                raise Conflict(
                    f"network {row.id} is used by instance(s) {', '.join(users)}; remove their NICs first",
                    network=row.id,
                )
            _drop_libvirt_network(link, row.libvirt_name)

        NETWORKS.delete(self.context, caller, network_id, check)


class Subnets(SubnetsPart):
    context: LibvirtContext

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        shared = [s for s in _shared_subnets(self.context) if network_id in (None, s.network)]
        where = () if network_id is None else (LibvirtSubnet.network_id == network_id,)
        return shared + SUBNETS.list(self.context, caller, *where)

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        for sub in _shared_subnets(self.context):
            if sub.id == subnet_id:
                return sub
        return SUBNETS.get(self.context, caller, subnet_id)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        with self.context.write() as s:
            net = NETWORKS.row(s, caller, request.network_id, modify=True)
            siblings = SUBNETS.of(s, net.id)
            network_rules.check_new_subnet(request.address_block, net, siblings)
            _check_usable_block(request.address_block)
            row = LibvirtSubnet(
                id=new_id(),
                name=request.name,
                owner_id=net.owner_id,
                network_id=net.id,
                address_block=request.address_block,
            )
            self._apply_blocks(net, [x.address_block for x in siblings] + [row.address_block])
            return SUBNETS.add(s, row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        return SUBNETS.rename(self.context, caller, subnet_id, request.name)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        def check(s: Session, row: LibvirtSubnet) -> None:
            net = s.get(LibvirtNetwork, row.network_id)
            assert net is not None
            info = net_info(self.context, self.context.link(net.realm_id), net.libvirt_name)
            bound = [ip for ips in (info.reservations.values() if info else []) for ip in ips]
            bound = [
                ip for ip in bound if ipaddress.ip_address(ip) in ipaddress.ip_network(row.address_block)
            ]
            if bound:
                raise Conflict(
                    f"subnet {row.id} is in use by {len(bound)} instance address(es)", subnet=row.id
                )
            self._apply_blocks(net, [x.address_block for x in SUBNETS.of(s, net.id) if x.id != row.id])

        SUBNETS.delete(self.context, caller, subnet_id, check)

    def _apply_blocks(self, row: LibvirtNetwork, blocks: list[str]) -> None:
        """Redefine a Hearth network with these ``<ip>`` blocks, keeping reservations that still fit."""
        link = self.context.link(row.realm_id)
        old = network_xml(link, row.libvirt_name)
        if old is None:
            raise NotFound(f"network {row.id} is missing on realm {row.realm_id}", network=row.id)
        users = _instances_using(self.context, link, row.libvirt_name)
        if users:
            raise Conflict(
                f"network {row.id} is in use by instance(s) {', '.join(users)}; its subnets can change only "
                "while no instance is attached",
                network=row.id,
            )
        kept = [(h.mac, h.ip) for ip in old.ips for h in ip.dhcp_hosts if h.mac and h.ip]
        new = NetworkXML.from_xml(old.to_xml())
        for ip in list(new.ips):
            ip.remove()
        dhcp_done: set[int] = set()
        for block in blocks:
            net = ipaddress.ip_network(block)
            hosts = list(net.hosts()) if net.version == 4 else []
            gw = str(hosts[0]) if hosts else str(net.network_address + 1)
            ip = NetworkIP(address=gw, prefix=net.prefixlen)
            if net.version == 6:
                ip.family = "ipv6"
            new.ips.append(ip)
            if (
                net.version in dhcp_done
                or (net.version == 6 and net.prefixlen != 64)
                or (net.version == 4 and len(hosts) < 2)
            ):
                continue
            dhcp_done.add(net.version)
            if net.version == 4:
                ip.dhcp_ranges.append(DHCPRange(start=str(hosts[1]), end=str(hosts[-1])))
            else:
                ip.dhcp_ranges.append(
                    DHCPRange(start=str(net.network_address + 2), end=str(net.network_address + 0xFFFF))
                )
            for mac, addr in kept:
                if ipaddress.ip_address(addr) in net:
                    ip.dhcp_hosts.append(DHCPHost(mac=mac, ip=addr))

        def redefine(c: libvirt.virConnect) -> None:
            current = c.networkLookupByName(row.libvirt_name)
            if current.isActive():
                current.destroy()
            c.networkDefineXML(new.to_xml()).create()

        link.run(f"changing the subnets of network {row.id}", redefine)


# --- what networks and subnets both read --------------------------------------------------------


def _shared_xml(ctx: LibvirtContext) -> list[tuple[Link, NetworkXML]]:
    out = []
    for name in ctx.config.shared_networks:
        for link in ctx.links.values():
            xml = network_xml(link, name)
            if xml is not None:
                out.append((link, xml))
                break  # one entry per name, from the first host that has it
    return out


def _shared_networks(ctx: LibvirtContext) -> list[Network]:
    nets = []
    for _, xml in _shared_xml(ctx):
        blocks = [b for b in (block_of(ip) for ip in xml.ips) if b]
        assert xml.name is not None
        nets.append(
            Network(id=xml.name, name=xml.name, owner_id=SYSTEM_OWNER, created=EPOCH, address_blocks=blocks)
        )
    return nets


def _shared_subnets(ctx: LibvirtContext) -> list[Subnet]:
    subs = []
    for _, xml in _shared_xml(ctx):
        assert xml.name is not None
        for ip in xml.ips:
            block = block_of(ip)
            if block:
                sid = shared_subnet_id(xml.name, block)
                subs.append(
                    Subnet(
                        id=sid,
                        name=sid,
                        owner_id=SYSTEM_OWNER,
                        created=EPOCH,
                        network=xml.name,
                        address_block=block,
                    )
                )
    return subs


def _instances_using(ctx: LibvirtContext, link: Link, libvirt_name: str) -> list[str]:
    """Ids of this driver's instances with a NIC on the network (in their definition)."""
    return [
        f.id
        for f in ctx.instances_on(link)
        if any(n.source_network == libvirt_name for n in f.xml.devices.interfaces)
    ]


def _drop_libvirt_network(link: Link, name: str) -> None:
    def drop(c: libvirt.virConnect) -> None:
        try:
            net = c.networkLookupByName(name)
        except libvirt.libvirtError as exc:
            if is_code(exc, libvirt.VIR_ERR_NO_NETWORK):
                return
            raise
        if net.isActive():
            net.destroy()
        net.undefine()

    link.run(f"removing network {name}", drop)


def _check_usable_block(block: str) -> None:
    net = ipaddress.ip_network(block)
    if net.version == 4 and net.prefixlen > 30:
        raise ValidationError(
            f"subnet {block} is too small: libvirt needs at least a /30", address_block=block
        )
    if net.version == 6 and net.prefixlen > 126:
        raise ValidationError(f"subnet {block} is too small", address_block=block)
