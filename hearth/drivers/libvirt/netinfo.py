"""What Hearth sees of a libvirt network: its id and owner, its subnets, the addresses on it.

Instances, their NICs and the network collections all read networks this way, so it is one
module rather than any part's own. A host network named in ``shared_networks`` is shown by its
libvirt name with ``<network>_<address>_<prefix>`` subnets; a network created through Hearth by
its store row. Addresses of a MAC are what the host knows: DHCP reservations, leases, ARP.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass, field

import libvirt
from sqlalchemy import select

from hearth.domain import Network as NetworkXML
from hearth.domain import NetworkIP
from hearth.errors import ValidationError

from ..caller import SYSTEM_OWNER, Caller
from .connection import Link
from .context import LibvirtContext
from .errors import is_code
from .rows import NETWORKS, SUBNETS
from .tables import LibvirtNetwork


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


def block_of(ip: NetworkIP) -> str | None:
    """The CIDR block an ``<ip>`` element serves; None when it gives no address."""
    if ip.address is None:
        return None
    if ip.prefix is not None:
        return str(ipaddress.ip_interface(f"{ip.address}/{ip.prefix}").network)
    if ip.netmask is not None:
        return str(ipaddress.ip_interface(f"{ip.address}/{ip.netmask}").network)
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


def network_xml(link: Link, name: str, inactive: bool = True) -> NetworkXML | None:
    """The libvirt network's definition (``inactive``: the persistent one); None if it is missing."""

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


def net_info(ctx: LibvirtContext, link: Link, libvirt_name: str) -> NetInfo | None:
    """Hearth's view of a libvirt network on ``link``; None if Hearth does not show it."""
    xml = network_xml(link, libvirt_name)
    if xml is None:
        return None
    if libvirt_name in ctx.config.shared_networks:
        subnets = [(shared_subnet_id(libvirt_name, b), b) for b in (block_of(i) for i in xml.ips) if b]
        info = NetInfo(libvirt_name, libvirt_name, SYSTEM_OWNER, subnets)
    else:
        with ctx.read() as s:
            row = s.scalars(
                select(LibvirtNetwork).where(
                    LibvirtNetwork.realm_id == link.host.realm,
                    LibvirtNetwork.libvirt_name == libvirt_name,
                )
            ).first()
            if row is None:
                return None
            subs = SUBNETS.of(s, row.id)
        info = NetInfo(row.id, libvirt_name, row.owner_id, [(x.id, x.address_block) for x in subs])
    for ip in xml.ips:
        for host in ip.dhcp_hosts:
            if host.mac and host.ip:
                info.reservations.setdefault(host.mac.lower(), []).append(host.ip)
    info.leases = _leases(link, libvirt_name)
    return info


def _leases(link: Link, libvirt_name: str) -> dict[str, list[str]]:
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


def resolve_network(ctx: LibvirtContext, caller: Caller, link: Link, ref: str) -> NetInfo:
    """A network a NIC may join, by id or name; unknown is a ValidationError naming it."""
    with ctx.read() as s:
        row = NETWORKS.by_ref(s, caller, ref)
    if row is not None:
        if row.realm_id != link.host.realm:
            raise ValidationError(f"network {ref!r} is in realm {row.realm_id}, not {link.host.realm}")
        libvirt_name = row.libvirt_name
    elif ref in ctx.config.shared_networks:
        libvirt_name = ref
    else:
        raise NETWORKS.unknown(ref)
    info = net_info(ctx, link, libvirt_name)
    if info is None:
        raise ValidationError(f"network {ref!r} does not exist on realm {link.host.realm}", network=ref)
    return info


class NetView:
    """Everything needed to turn NICs into addresses on one host, read once per request."""

    def __init__(self, ctx: LibvirtContext, link: Link) -> None:
        self.ctx, self.link = ctx, link
        self._nets: dict[str, NetInfo | None] = {}
        self._arp: dict[str, list[str]] | None = None

    def network(self, libvirt_name: str) -> NetInfo | None:
        if libvirt_name not in self._nets:
            self._nets[libvirt_name] = net_info(self.ctx, self.link, libvirt_name)
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
