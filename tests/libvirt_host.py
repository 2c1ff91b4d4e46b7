"""What tests may make on a libvirt host: run-unique names, an isolated network, and a guard.

A fresh Debian 12 host has no storage pool and (without libvirt-daemon-config-network) no
network; a developer's host has both, and they are not the tests' to touch. Every prefix a test
takes comes from ``unique_prefix`` and is remembered, so the session guard in ``tests/conftest.py``
can prove at the end that nothing that was on the host before is gone and nothing a test made is
left behind.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import subprocess

import libvirt

from hearth.domain import Network

SYSTEM_URI = "qemu:///system"
HANDED_OUT: set[str] = set()


def unique_prefix(stem: str = "ht") -> str:
    """A name prefix no other test run uses (``ht1a2b3c-``), remembered for the session guard."""
    prefix = f"{stem}{secrets.token_hex(3)}-"
    HANDED_OUT.add(prefix)
    return prefix


def _used_networks(conn: libvirt.virConnect) -> list[ipaddress.IPv4Network]:
    used = []
    routes = subprocess.run(
        ["ip", "-j", "-4", "route", "show", "table", "all"], capture_output=True, text=True
    )
    for route in json.loads(routes.stdout or "[]"):
        dst = route.get("dst", "")
        if dst and dst != "default" and not dst.startswith(("127.", "broadcast", "local")):
            try:
                used.append(ipaddress.ip_network(dst, strict=False))
            except ValueError:
                continue
    for net in conn.listAllNetworks(0):
        for ip in Network.from_xml(net.XMLDesc(0)).ips:
            mask = ip.prefix if ip.prefix is not None else ip.netmask
            if ip.address and mask is not None and ip.family != "ipv6":
                used.append(ipaddress.ip_network(f"{ip.address}/{mask}", strict=False))
    return used


def create_network(uri: str, prefix: str) -> str:
    """An isolated libvirt network ``<prefix>net`` with DHCP, on a /24 no route or network of the
    host uses (retried if a concurrent run takes the same one first); returns its name."""
    name, bridge = f"{prefix}net", f"{prefix}br"
    conn = libvirt.open(uri)
    try:
        for third in secrets.SystemRandom().sample(range(100, 250), 150):
            block = ipaddress.ip_network(f"192.168.{third}.0/24")
            if any(block.overlaps(u) for u in _used_networks(conn)):
                continue
            gw, first, last = block[1], block[2], block[254]
            xml = (
                f"<network><name>{name}</name><bridge name='{bridge}'/>"
                f"<ip address='{gw}' netmask='255.255.255.0'><dhcp><range start='{first}' end='{last}'/>"
                "</dhcp></ip></network>"
            )
            net = conn.networkDefineXML(xml)
            try:
                net.create()
            except libvirt.libvirtError:
                net.undefine()
                continue
            return name
        raise RuntimeError("no free 192.168.x.0/24 for a test network")
    finally:
        conn.close()


def host_objects(uri: str) -> set[tuple[str, str]]:
    """Every (kind, name) of domain, network and storage pool defined on the host."""
    conn = libvirt.open(uri)
    try:
        return (
            {("domain", d.name()) for d in conn.listAllDomains(0)}
            | {("network", n.name()) for n in conn.listAllNetworks(0)}
            | {("pool", p.name()) for p in conn.listAllStoragePools(0)}
        )
    finally:
        conn.close()
