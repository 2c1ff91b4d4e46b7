"""An isolated libvirt network on a /24 nothing on the host uses, for tests and benchmarks.

Tests and benchmarks must not rely on libvirt's ``default`` network (a fresh host may have none)
and must not collide with the host's own routes or with a concurrent run's networks, so the block
is picked among those no route and no libvirt network claims, and another is tried when a
concurrent run takes the same one first.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import subprocess

import libvirt

from hearth.domain import Network


def used_blocks(conn: libvirt.virConnect) -> list[ipaddress.IPv4Network]:
    """Every IPv4 block the host routes or a libvirt network of it claims."""
    routes = subprocess.run(
        ["ip", "-j", "-4", "route", "show", "table", "all"], capture_output=True, text=True
    )
    used = []
    for route in json.loads(routes.stdout or "[]"):
        try:
            used.append(ipaddress.IPv4Network(route.get("dst", ""), strict=False))
        except ValueError:  # "default", "" and the like
            continue
    for net in conn.listAllNetworks(0):
        for ip in Network.from_xml(net.XMLDesc(0)).ips:
            mask = ip.prefix if ip.prefix is not None else ip.netmask
            if ip.address and mask is not None and ip.family != "ipv6":
                used.append(ipaddress.IPv4Network(f"{ip.address}/{mask}", strict=False))
    return used


def create_isolated_network(conn: libvirt.virConnect, name: str, bridge: str) -> str:
    """Define and start network ``name`` (bridge ``bridge``, DHCP, no forwarding) on a free
    192.168.x.0/24; returns ``name``."""
    for third in secrets.SystemRandom().sample(range(100, 250), 150):
        block = ipaddress.IPv4Network(f"192.168.{third}.0/24")
        if any(block.overlaps(u) for u in used_blocks(conn)):
            continue
        xml = (
            f"<network><name>{name}</name><bridge name='{bridge}'/>"
            f"<ip address='{block[1]}' netmask='255.255.255.0'>"
            f"<dhcp><range start='{block[2]}' end='{block[254]}'/></dhcp></ip></network>"
        )
        net = conn.networkDefineXML(xml)
        try:
            net.create()
        except libvirt.libvirtError:  # a concurrent run took the block first
            net.undefine()
            continue
        return name
    raise RuntimeError("no free 192.168.x.0/24 for a network")
