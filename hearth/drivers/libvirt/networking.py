"""Networks and subnets as libvirt networks and their ``<ip>`` blocks; addresses as DHCP reservations.

Two kinds of network are shown:

* host networks named in ``shared_networks`` (libvirt's ``default``): shared by every tenant, id =
  their libvirt name, subnets = their ``<ip>`` blocks (ids ``<network>_<address>_<prefix>``);
* networks created through Hearth: isolated libvirt networks named ``<prefix>net-<id8>``, rows in
  the store for ownership and names; each subnet is one ``<ip>`` block of the definition.

An address given to an instance is a DHCP host reservation (MAC → IP) in the network, so the guest
really gets it, and the host's view (reservations, leases, ARP) is the only record of bindings.
libvirt serves DHCP on one IPv4 and one IPv6 (/64) block per network: reservations go there.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field

import libvirt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearth.domain import DHCPHost, DHCPRange, NetworkIP
from hearth.domain import Network as NetworkXML
from hearth.errors import Conflict, NotFound, ValidationError
from hearth.store import new_id

from .. import addressing
from ..caller import SYSTEM_OWNER, Caller, can_see, ensure_modifiable
from ..owned import owned_row, visible_rows
from ..resources import Network, NetworkCreate, NetworkUpdate, Subnet, SubnetCreate, SubnetUpdate
from ..row_models import network_model, subnet_model
from .catalogue import EPOCH
from .connection import Link
from .core import LibvirtBase
from .errors import is_code
from .tables import LibvirtNetwork, LibvirtSubnet


@dataclass
class NetInfo:
    """One libvirt network as Hearth sees it, with what the host knows of addresses on it."""

    id: str
    libvirt_name: str
    owner_id: str
    subnets: list[tuple[str, str]]  # (subnet id, block)
    reservations: dict[str, list[str]] = field(default_factory=dict)  # mac -> ips
    leases: dict[str, list[str]] = field(default_factory=dict)

    def subnet_of(self, ip: str) -> str | None:
        addr = ipaddress.ip_address(ip)
        for sid, block in self.subnets:
            net = ipaddress.ip_network(block)
            if addr.version == net.version and addr in net:
                return sid
        return None


def shared_subnet_id(network: str, block: str) -> str:
    net = ipaddress.ip_network(block)
    return f"{network}_{net.network_address}_{net.prefixlen}"


def _block_of(ip: NetworkIP) -> str | None:
    if ip.address is None:
        return None
    if ip.prefix is not None:
        return str(ipaddress.ip_interface(f"{ip.address}/{ip.prefix}").network)
    if ip.netmask is not None:
        return str(ipaddress.ip_interface(f"{ip.address}/{ip.netmask}").network)
    return None


def _dhcp_index(xml: NetworkXML, version: int) -> int | None:
    """Index (among all ``<ip>``) of the block serving DHCP for this IP version."""
    for i, ip in enumerate(xml.ips):
        block = _block_of(ip)
        if block and ipaddress.ip_network(block).version == version and len(ip.dhcp_ranges):
            return i
    return None


def arp_table() -> dict[str, list[str]]:
    """MAC -> IPs the local host has seen (``ip neigh``); empty if the tool is missing."""
    try:
        out = subprocess.run(["ip", "-j", "neigh", "show"], capture_output=True, text=True, timeout=5)
        entries = json.loads(out.stdout or "[]")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}
    table: dict[str, list[str]] = {}
    for e in entries:
        mac, ip = e.get("lladdr"), e.get("dst")
        if mac and ip and "FAILED" not in e.get("state", []) and "INCOMPLETE" not in e.get("state", []):
            table.setdefault(mac.lower(), []).append(ip)
    return table


class NetView:
    """Everything needed to turn NICs into addresses on one host, read once per request."""

    def __init__(self, driver: NetworkOps, link: Link) -> None:
        self.driver, self.link = driver, link
        self._nets: dict[str, NetInfo | None] = {}
        self._arp: dict[str, list[str]] | None = None

    def network(self, libvirt_name: str) -> NetInfo | None:
        if libvirt_name not in self._nets:
            self._nets[libvirt_name] = self.driver._net_info(self.link, libvirt_name)
        return self._nets[libvirt_name]

    def arp(self) -> dict[str, list[str]]:
        if self._arp is None:
            self._arp = arp_table() if self.link.host.is_local and not self.link.is_test else {}
        return self._arp

    def ips(self, libvirt_name: str | None, mac: str | None) -> list[str]:
        """Addresses of a NIC on a network: reserved, leased or seen, inside the network's subnets."""
        if not libvirt_name or not mac:
            return []
        info = self.network(libvirt_name)
        if info is None:
            return []
        mac = mac.lower()
        found: list[str] = []
        for ip in [*info.reservations.get(mac, []), *info.leases.get(mac, []), *self.arp().get(mac, [])]:
            if ip not in found and info.subnet_of(ip) is not None:
                found.append(ip)
        return found


class NetworkOps(LibvirtBase):
    # --- networks -----------------------------------------------------------------------------

    def list_networks(self, caller: Caller) -> list[Network]:
        out = self._shared_networks()
        q = visible_rows(LibvirtNetwork, caller)
        with self._read() as s:
            out += [network_model(r) for r in s.scalars(q)]
        return out

    def get_network(self, caller: Caller, network_id: str) -> Network:
        for net in self._shared_networks():
            if net.id == network_id:
                return net
        with self._read() as s:
            return network_model(self._network_row(s, caller, network_id))

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        link = self._default_link()
        network_id = new_id()
        row = LibvirtNetwork(
            id=network_id,
            name=request.name,
            owner_id=caller.user_id,
            realm_id=link.host.realm,
            libvirt_name=f"{self.config.prefix}net-{network_id[:8]}",
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
        try:
            with self._write() as s:
                s.add(row)
                s.flush()
                return network_model(row)
        except Exception:
            self._drop_libvirt_network(link, row.libvirt_name)
            raise

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        if network_id in self.config.shared_networks:
            ensure_modifiable(caller, "network", network_id, SYSTEM_OWNER)
            raise ValidationError(f"network {network_id} is a host network; change it on the host")
        with self._write() as s:
            row = self._network_row(s, caller, network_id, modify=True)
            if request.address_blocks is not None:
                for sub in s.scalars(select(LibvirtSubnet).where(LibvirtSubnet.network_id == row.id)):
                    addressing.check_subnet_fits(sub.address_block, request.address_blocks, row.id)
                row.address_blocks = list(request.address_blocks)
            if request.name is not None:
                row.name = request.name
            s.flush()
            return network_model(row)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        if network_id in self.config.shared_networks:
            ensure_modifiable(caller, "network", network_id, SYSTEM_OWNER)
            raise ValidationError(f"network {network_id} is a host network; Hearth does not delete it")
        with self._write() as s:
            row = self._network_row(s, caller, network_id, modify=True)
            count = s.scalar(
                select(func.count()).select_from(LibvirtSubnet).where(LibvirtSubnet.network_id == row.id)
            )
            if count:
                raise Conflict(
                    f"network {row.id} still has {count} subnet(s); delete them first", network=row.id
                )
            link = self._link(row.realm_id)
            users = self._instances_on(link, row.libvirt_name)
            if users:
                raise Conflict(
                    f"network {row.id} is used by instance(s) {', '.join(users)}; remove their NICs first",
                    network=row.id,
                )
            self._drop_libvirt_network(link, row.libvirt_name)
            s.delete(row)

    # --- subnets ------------------------------------------------------------------------------

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        out = [s for s in self._shared_subnets() if network_id in (None, s.network)]
        q = visible_rows(LibvirtSubnet, caller)
        if network_id is not None:
            q = q.where(LibvirtSubnet.network_id == network_id)
        with self._read() as s:
            out += [subnet_model(r) for r in s.scalars(q)]
        return out

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        for sub in self._shared_subnets():
            if sub.id == subnet_id:
                return sub
        with self._read() as s:
            return subnet_model(self._subnet_row(s, caller, subnet_id))

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        with self._write() as s:
            net = self._network_row(s, caller, request.network_id, modify=True)
            addressing.check_subnet_fits(request.address_block, net.address_blocks, net.id)
            siblings = list(s.scalars(select(LibvirtSubnet).where(LibvirtSubnet.network_id == net.id)))
            addressing.check_no_overlap(request.address_block, [(x.id, x.address_block) for x in siblings])
            _check_usable_block(request.address_block)
            row = LibvirtSubnet(
                id=new_id(),
                name=request.name,
                owner_id=net.owner_id,
                network_id=net.id,
                address_block=request.address_block,
            )
            self._apply_blocks(net, [x.address_block for x in siblings] + [row.address_block])
            s.add(row)
            s.flush()
            return subnet_model(row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        with self._write() as s:
            row = self._subnet_row(s, caller, subnet_id, modify=True)
            row.name = request.name
            s.flush()
            return subnet_model(row)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        with self._write() as s:
            row = self._subnet_row(s, caller, subnet_id, modify=True)
            net = s.get(LibvirtNetwork, row.network_id)
            assert net is not None
            info = self._net_info(self._link(net.realm_id), net.libvirt_name)
            bound = [ip for ips in (info.reservations.values() if info else []) for ip in ips]
            bound = [
                ip for ip in bound if ipaddress.ip_address(ip) in ipaddress.ip_network(row.address_block)
            ]
            if bound:
                raise Conflict(
                    f"subnet {row.id} is in use by {len(bound)} instance address(es)", subnet=row.id
                )
            rest = s.scalars(
                select(LibvirtSubnet.address_block).where(
                    LibvirtSubnet.network_id == net.id, LibvirtSubnet.id != row.id
                )
            )
            self._apply_blocks(net, list(rest))
            s.delete(row)

    # --- helpers shared with instances and NICs -----------------------------------------------

    def _network_row(
        self, s: Session, caller: Caller, network_id: str, modify: bool = False
    ) -> LibvirtNetwork:
        return owned_row(s, LibvirtNetwork, "network", caller, network_id, modify)

    def _subnet_row(self, s: Session, caller: Caller, subnet_id: str, modify: bool = False) -> LibvirtSubnet:
        return owned_row(s, LibvirtSubnet, "subnet", caller, subnet_id, modify)

    def _shared_xml(self) -> list[tuple[Link, NetworkXML]]:
        out = []
        for name in self.config.shared_networks:
            for link in self.links.values():
                xml = self._libvirt_network_xml(link, name)
                if xml is not None:
                    out.append((link, xml))
                    break  # one entry per name, from the first host that has it
        return out

    def _shared_networks(self) -> list[Network]:
        nets = []
        for _, xml in self._shared_xml():
            blocks = [b for b in (_block_of(ip) for ip in xml.ips) if b]
            assert xml.name is not None
            nets.append(
                Network(
                    id=xml.name, name=xml.name, owner_id=SYSTEM_OWNER, created=EPOCH, address_blocks=blocks
                )
            )
        return nets

    def _shared_subnets(self) -> list[Subnet]:
        subs = []
        for _, xml in self._shared_xml():
            assert xml.name is not None
            for ip in xml.ips:
                block = _block_of(ip)
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

    def _libvirt_network_xml(self, link: Link, name: str, inactive: bool = True) -> NetworkXML | None:
        def read(c: libvirt.virConnect) -> str | None:
            try:
                net = c.networkLookupByName(name)
                # The test driver keeps one definition and refuses the flag.
                inactive_flag = libvirt.VIR_NETWORK_XML_INACTIVE if inactive and not link.is_test else 0
                return str(net.XMLDesc(inactive_flag))
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_NETWORK):
                    return None
                raise

        text = link.run(f"reading network {name}", read)
        return None if text is None else NetworkXML.from_xml(text)

    def _net_info(self, link: Link, libvirt_name: str) -> NetInfo | None:
        """Hearth's view of a libvirt network on ``link``; None if Hearth does not show it."""
        xml = self._libvirt_network_xml(link, libvirt_name)
        if xml is None:
            return None
        if libvirt_name in self.config.shared_networks:
            subnets = [(shared_subnet_id(libvirt_name, b), b) for b in (_block_of(i) for i in xml.ips) if b]
            info = NetInfo(libvirt_name, libvirt_name, SYSTEM_OWNER, subnets)
        else:
            with self._read() as s:
                row = s.scalars(
                    select(LibvirtNetwork).where(
                        LibvirtNetwork.realm_id == link.host.realm,
                        LibvirtNetwork.libvirt_name == libvirt_name,
                    )
                ).first()
                if row is None:
                    return None
                subs = s.execute(
                    select(LibvirtSubnet.id, LibvirtSubnet.address_block).where(
                        LibvirtSubnet.network_id == row.id
                    )
                ).all()
            info = NetInfo(row.id, libvirt_name, row.owner_id, [(i, b) for i, b in subs])
        for ip in xml.ips:
            for host in ip.dhcp_hosts:
                if host.mac and host.ip:
                    info.reservations.setdefault(host.mac.lower(), []).append(host.ip)
        info.leases = self._leases(link, libvirt_name)
        return info

    def _leases(self, link: Link, libvirt_name: str) -> dict[str, list[str]]:
        def read(c: libvirt.virConnect) -> list[dict[str, object]]:
            try:
                net = c.networkLookupByName(libvirt_name)
                if not net.isActive():
                    return []
                return list(net.DHCPLeases())
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_SUPPORT, libvirt.VIR_ERR_NO_NETWORK):
                    return []  # the test driver keeps no leases
                raise

        leases: dict[str, list[str]] = {}
        for lease in link.run(f"reading DHCP leases of {libvirt_name}", read):
            mac, ip = lease.get("mac"), lease.get("ipaddr")
            if isinstance(mac, str) and isinstance(ip, str):
                leases.setdefault(mac.lower(), []).append(ip)
        return leases

    def _resolve_network(self, caller: Caller, link: Link, ref: str) -> NetInfo:
        """A network a NIC may join, by id or name; unknown is a ValidationError naming it."""
        with self._read() as s:
            row = s.get(LibvirtNetwork, ref)
            if row is None or not can_see(caller, row.owner_id):
                named = [
                    r
                    for r in s.scalars(select(LibvirtNetwork).where(LibvirtNetwork.name == ref))
                    if can_see(caller, r.owner_id)
                ]
                if len(named) > 1:
                    raise ValidationError(
                        f"network name {ref!r} is ambiguous ({len(named)} networks); give the network id",
                        network=ref,
                    )
                row = named[0] if named else None
        if row is not None:
            if row.realm_id != link.host.realm:
                raise ValidationError(f"network {ref!r} is in realm {row.realm_id}, not {link.host.realm}")
            libvirt_name = row.libvirt_name
        elif ref in self.config.shared_networks:
            libvirt_name = ref
        else:
            raise ValidationError(f"network {ref!r} does not exist", network=ref)
        info = self._net_info(link, libvirt_name)
        if info is None:
            raise ValidationError(f"network {ref!r} does not exist on realm {link.host.realm}", network=ref)
        return info

    def _reserve(
        self, link: Link, info: NetInfo, mac: str, subnet_id: str | None, wanted_ip: str | None
    ) -> str:
        """Reserve an address for ``mac`` on the network (a DHCP host entry); returns the IP."""
        xml = self._libvirt_network_xml(link, info.libvirt_name)
        assert xml is not None
        index = _dhcp_index(xml, 4)
        if index is None:
            raise ValidationError(
                f"network {info.id} has no IPv4 subnet to take an address from", network=info.id
            )
        dhcp_ip = xml.ips[index]
        block = _block_of(dhcp_ip)
        assert block is not None
        sub = info.subnet_of(str(ipaddress.ip_network(block).network_address))
        if subnet_id is not None and subnet_id != sub:
            raise ValidationError(
                f"subnet {subnet_id} is not the DHCP subnet of network {info.id} ({sub}); libvirt hands out "
                "addresses on one IPv4 block per network",
                subnet=subnet_id,
            )
        used = {h.ip for i in xml.ips for h in i.dhcp_hosts if h.ip} | {str(dhcp_ip.address)}
        used |= {ip for ips in info.leases.values() for ip in ips}
        if wanted_ip is not None:
            addressing.check_in_block(wanted_ip, block)
            if wanted_ip in used:
                raise Conflict(
                    f"address {wanted_ip} is already in use on network {info.id}", ip_address=wanted_ip
                )
            ip = wanted_ip
        else:
            free = addressing.first_free(block, used)
            if free is None:
                raise Conflict(f"network {info.id} has no free address left", network=info.id)
            ip = free
        entry = DHCPHost(mac=mac, ip=ip).to_xml(pretty=False)
        self._update_hosts(
            link,
            info.libvirt_name,
            libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
            index,
            entry,
            f"reserving {ip}",
        )
        return ip

    def _release(self, link: Link, libvirt_name: str | None, macs: Iterable[str]) -> None:
        """Drop the DHCP reservations of these MACs on a network (missing ones are fine)."""
        if not libvirt_name:
            return
        xml = self._libvirt_network_xml(link, libvirt_name)
        if xml is None:
            return
        wanted = {m.lower() for m in macs}
        for index, ip in enumerate(xml.ips):
            for host in list(ip.dhcp_hosts):
                if host.mac and host.mac.lower() in wanted:
                    entry = DHCPHost(mac=host.mac, ip=host.ip).to_xml(pretty=False)
                    self._update_hosts(
                        link,
                        libvirt_name,
                        libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                        index,
                        entry,
                        f"releasing {host.ip}",
                    )

    def _update_hosts(self, link: Link, name: str, command: int, index: int, entry: str, doing: str) -> None:
        """Add or delete one DHCP host entry, live and persistent (persistent only if inactive)."""

        def update(c: libvirt.virConnect) -> None:
            net = c.networkLookupByName(name)
            affect = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
            if net.isActive():
                affect |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
            net.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, index, entry, affect)

        link.run(f"{doing} on network {name}", update)

    def _apply_blocks(self, row: LibvirtNetwork, blocks: list[str]) -> None:
        """Redefine a Hearth network with these ``<ip>`` blocks, keeping reservations that still fit."""
        link = self._link(row.realm_id)
        old = self._libvirt_network_xml(link, row.libvirt_name)
        if old is None:
            raise NotFound(f"network {row.id} is missing on realm {row.realm_id}", network=row.id)
        users = self._instances_on(link, row.libvirt_name)
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

    def _instances_on(self, link: Link, libvirt_name: str) -> list[str]:
        """Ids of this driver's instances with a NIC on the network (in their definition)."""
        return [
            f.id
            for f in self._all(link)
            if any(n.source_network == libvirt_name for n in f.xml.devices.interfaces)
        ]

    def _drop_libvirt_network(self, link: Link, name: str) -> None:
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
