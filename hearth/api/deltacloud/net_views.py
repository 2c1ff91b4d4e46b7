"""Addresses, networks, subnets and NICs as Deltacloud 1.1.3's ``address``, ``network``,
``subnet`` and ``network_interface`` documents (its views/*/show.xml.haml and the models'
``to_hash``).

Hearth keeps no state for a network or subnet and no kind for a subnet: Deltacloud's mock
answers UP and PRIVATE for every one, and so does this. A NIC is known in Hearth by its instance
and MAC; its Deltacloud id joins the two (``nic_id``), and it is named by its MAC.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from hearth.drivers.resources import Address, Network, NetworkInterface, Subnet

from .document import Node
from .links import Links

STATE = "UP"
SUBNET_TYPE = "PRIVATE"
_NIC_ID = re.compile(r"^(?P<instance>.+)_(?P<mac>[0-9a-f]{12})$")


def nic_id(nic: NetworkInterface) -> str:
    """``<instance id>_<MAC as 12 hex digits>``: unique across instances, and no separator in
    it needs escaping in a URL."""
    return f"{nic.instance_id}_{nic.mac.replace(':', '').lower()}"


def parse_nic_id(ident: str) -> tuple[str, str] | None:
    """(instance id, MAC) of a NIC id; None when the text is not one."""
    found = _NIC_ID.match(ident.lower())
    if found is None:
        return None
    hexes = found["mac"]
    mac = ":".join(hexes[i : i + 2] for i in range(0, 12, 2))
    return ident[: len(found["instance"])], mac


def _actions(node: Node, offered: Iterable[tuple[str, str, str]]) -> None:
    """(rel, method, href) of each action as links; Deltacloud's JSON for these carries none."""
    el = node.add("actions")
    for rel, method, href in offered:
        el.add("link", href=href, method=method, rel=rel)


def address(links: Links, a: Address, served: set[str]) -> tuple[Node, Any]:
    """``served``: the actions (destroy, associate, disassociate) the backend serves."""
    href = links.member("addresses", a.id)
    node = Node("address", {"href": href, "id": a.id})
    node.add("ip", a.ip_address)
    offered: list[tuple[str, str, str]] = []
    if "destroy" in served:
        offered.append(("destroy", "delete", href))
    if a.instance is None and "associate" in served:
        offered.append(("associate", "post", f"{href}/associate"))
    if a.instance is not None and "disassociate" in served:
        offered.append(("disassociate", "post", f"{href}/disassociate"))
    _actions(node, offered)
    value: dict[str, Any] = {"id": a.id, "href": href, "associated": a.instance is not None}
    if a.instance is not None:
        node.add("instance", href=links.member("instances", a.instance), id=a.instance)
        value["instance_id"] = a.instance
    return node, value


def network(links: Links, n: Network, subnets: list[str], destroyable: bool) -> tuple[Node, Any]:
    """``subnets``: the ids of the network's subnets (Hearth's subnets name their network)."""
    href = links.member("networks", n.id)
    node = Node("network", {"href": href, "id": n.id})
    node.add("name", n.name)
    node.add("state", STATE)
    blocks = node.add("address_blocks")
    for block in n.address_blocks:
        blocks.add("address_block", block)
    subs = node.add("subnets")
    refs = []
    for sub in subnets:
        sub_href = links.member("subnets", sub)
        subs.add("subnet", href=sub_href, id=sub)
        refs.append({"id": sub, "href": sub_href})
    _actions(node, [("destroy", "delete", href)] if destroyable else [])
    value = {
        "id": n.id,
        "name": n.name,
        "href": href,
        "state": STATE,
        "address_blocks": list(n.address_blocks),
        "subnets": refs,
    }
    return node, value


def subnet(links: Links, s: Subnet, destroyable: bool) -> tuple[Node, Any]:
    href = links.member("subnets", s.id)
    node = Node("subnet", {"href": href, "id": s.id})
    node.add("name", s.name)
    node.add("state", STATE)
    node.add("address_block", s.address_block)
    node.add("network", s.network)
    _actions(node, [("destroy", "delete", href)] if destroyable else [])
    value = {
        "id": s.id,
        "name": s.name,
        "href": href,
        "type": SUBNET_TYPE,
        "state": STATE,
        "address_block": s.address_block,
        "network": {"id": s.network, "href": links.member("networks", s.network)},
    }
    return node, value


def subnet_of(nic: NetworkInterface, subnets: Iterable[Subnet]) -> Subnet | None:
    """The subnet of the NIC's network its address lies in (None before it has one)."""
    for ip in nic.ips:
        addr = ipaddress.ip_address(ip)
        for sub in subnets:
            if sub.network == nic.source and addr in ipaddress.ip_network(sub.address_block):
                return sub
    return None


def nic(links: Links, n: NetworkInterface, sub: Subnet | None, destroyable: bool) -> tuple[Node, Any]:
    """A NIC on a Hearth network: its ``network`` is the subnet its address is in, as Deltacloud
    shows it for a driver with subnets, or the network itself while it has no address."""
    ident = nic_id(n)
    href = links.member("network_interfaces", ident)
    node = Node("network_interface", {"href": href, "id": ident})
    node.add("name", n.mac)
    ip = n.ips[0] if n.ips else None
    node.add("ip_address", ip or "")
    if sub is not None:
        where, kind, rel = sub.id, "subnets", "subnet"
    else:
        where, kind, rel = n.source or "", "networks", "network"
    where_href = links.member(kind, where)
    node.add("network", where, href=where_href, rel=rel, id=where)
    inst_href = links.member("instances", n.instance_id)
    node.add("instance", n.instance_id, href=inst_href, id=n.instance_id)
    _actions(node, [("destroy", "delete", href)] if destroyable else [])
    value = {
        "id": ident,
        "name": n.mac,
        "href": href,
        "network": {"id": where, "href": where_href},
        "instance": {"id": n.instance_id, "href": inst_href},
        "ip_address": ip,
    }
    return node, value
