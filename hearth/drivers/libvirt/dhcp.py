"""Addresses given to instances: DHCP host reservations (MAC -> IP) in their libvirt network.

The guest really gets the address, and the host's view (reservations, leases, ARP) is the only
record of bindings. libvirt serves DHCP on one IPv4 and one IPv6 (/64) block per network, so
reservations go there. Instances reserve on create and release on destroy; a NIC releases its
own when it moves to another network or goes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import libvirt

from hearth.domain import DHCPHost
from hearth.domain import Network as NetworkXML
from hearth.errors import ValidationError

from .. import addressing
from .connection import Link
from .netinfo import NetInfo, block_of, network_xml


def _dhcp_index(xml: NetworkXML, version: int) -> int | None:
    """Index (among all ``<ip>``) of the block serving DHCP for this IP version."""
    for i, ip in enumerate(xml.ips):
        block = block_of(ip)
        if block and ipaddress.ip_network(block).version == version and len(ip.dhcp_ranges):
            return i
    return None


def reserve(link: Link, info: NetInfo, mac: str, subnet_id: str | None, wanted_ip: str | None) -> str:
    """Reserve an address for ``mac`` on the network (a DHCP host entry); returns the IP."""
    xml = network_xml(link, info.libvirt_name)
    assert xml is not None
    index = _dhcp_index(xml, 4)
    if index is None:
        raise ValidationError(
            f"network {info.id} has no IPv4 subnet to take an address from", network=info.id
        )
    dhcp_ip = xml.ips[index]
    block = block_of(dhcp_ip)
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
    ip = addressing.pick_address(block, used, wanted_ip, f"network {info.id}")
    if ip is None:
        raise addressing.no_free_address(info.id)
    entry = DHCPHost(mac=mac, ip=ip).to_xml(pretty=False)
    _update_hosts(
        link, info.libvirt_name, libvirt.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, index, entry, f"reserving {ip}"
    )
    return ip


def release(link: Link, libvirt_name: str | None, macs: Iterable[str]) -> None:
    """Drop the DHCP reservations of these MACs on a network (missing ones are fine)."""
    if not libvirt_name:
        return
    xml = network_xml(link, libvirt_name)
    if xml is None:
        return
    wanted = {m.lower() for m in macs}
    for index, ip in enumerate(xml.ips):
        for host in list(ip.dhcp_hosts):
            if host.mac and host.mac.lower() in wanted:
                entry = DHCPHost(mac=host.mac, ip=host.ip).to_xml(pretty=False)
                _update_hosts(
                    link,
                    libvirt_name,
                    libvirt.VIR_NETWORK_UPDATE_COMMAND_DELETE,
                    index,
                    entry,
                    f"releasing {host.ip}",
                )


def _update_hosts(link: Link, name: str, command: int, index: int, entry: str, doing: str) -> None:
    """Add or delete one DHCP host entry, live and persistent (persistent only if inactive)."""

    def update(c: libvirt.virConnect) -> None:
        net = c.networkLookupByName(name)
        affect = libvirt.VIR_NETWORK_UPDATE_AFFECT_CONFIG
        if net.isActive():
            affect |= libvirt.VIR_NETWORK_UPDATE_AFFECT_LIVE
        net.update(command, libvirt.VIR_NETWORK_SECTION_IP_DHCP_HOST, index, entry, affect)

    link.run(f"{doing} on network {name}", update)
