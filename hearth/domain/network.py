"""Typed view of a libvirt ``<network>`` document (NAT, routed, isolated, bridge, macvtap pools)."""

from __future__ import annotations

from hearth.domain.formats import check_mac, check_uuid
from hearth.domain.xmlbuilder import Bool, Int, Str, XMLChildren, XMLObject

FORWARD_MODES = ("nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev")


class DHCPRange(XMLObject):
    TAG = "range"
    start = Str("@start")
    end = Str("@end")


class DHCPHost(XMLObject):
    TAG = "host"
    mac = Str("@mac", check=check_mac("mac"))
    name = Str("@name")
    ip = Str("@ip")


class NetworkIP(XMLObject):
    """An ``<ip>`` block: the address of the host side plus an optional DHCP server."""

    TAG = "ip"
    ORDER = ("tftp", "dhcp", "range", "host", "bootp")
    address = Str("@address")
    netmask = Str("@netmask")
    prefix = Int("@prefix")
    family = Str("@family", choices=("ipv4", "ipv6"))
    dhcp_ranges = XMLChildren(DHCPRange, "./dhcp/range")
    dhcp_hosts = XMLChildren(DHCPHost, "./dhcp/host")


class ForwardInterface(XMLObject):
    TAG = "interface"
    dev = Str("@dev")


class Network(XMLObject):
    TAG = "network"
    ORDER = (
        "name", "uuid", "title", "description", "metadata", "forward", "bridge", "mtu", "mac",
        "domain", "dns", "virtualport", "vlan", "bandwidth", "portgroup", "ip", "route",
    )  # fmt: skip
    connections = Int("@connections")
    ipv6 = Bool("@ipv6")
    name = Str("./name")
    uuid = Str("./uuid", check=check_uuid("uuid"))
    forward_mode = Str("./forward/@mode", choices=FORWARD_MODES)
    forward_dev = Str("./forward/@dev")
    forward_interfaces = XMLChildren(ForwardInterface, "./forward/interface")
    bridge_name = Str("./bridge/@name")
    bridge_stp = Bool("./bridge/@stp", true="on", false="off")
    bridge_delay = Int("./bridge/@delay")
    mtu = Int("./mtu/@size")
    mac = Str("./mac/@address", check=check_mac("mac"))
    domain_name = Str("./domain/@name")
    virtualport_type = Str("./virtualport/@type")
    ips = XMLChildren(NetworkIP)
