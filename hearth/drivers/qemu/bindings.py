"""An instance's addresses on the driver's networks: what each network's dnsmasq leased to the
MACs of the instance's NICs on it. The lease file is the only record, so an address shows once
the guest has asked for one and is gone once the network is."""

from __future__ import annotations

import ipaddress

from sqlalchemy import select

from hearth.domain import Domain

from ..resources import NetworkBinding
from . import hostnets
from .context import QemuContext
from .tables import QemuNetwork, QemuSubnet


def network_bindings(ctx: QemuContext, domain: Domain) -> list[NetworkBinding]:
    """One binding per NIC on a network that holds a lease in one of the network's subnets."""
    on_networks = [
        (i.source_network, (i.mac or "").lower())
        for i in domain.devices.interfaces
        if i.type == "network" and i.source_network
    ]
    if not on_networks:
        return []
    found: list[NetworkBinding] = []
    with ctx.read() as s:
        for network_id, mac in on_networks:
            net = s.get(QemuNetwork, network_id)
            if net is None:
                continue
            ip = hostnets.leases(ctx.layout.network_dir(net.bridge)).get(mac)
            if ip is None:
                continue
            subnets = s.scalars(select(QemuSubnet).where(QemuSubnet.network_id == net.id))
            for sub in subnets:
                if ipaddress.ip_address(ip) in ipaddress.ip_network(sub.address_block):
                    found.append(NetworkBinding(network=net.id, subnet=sub.id, ip_address=ip))
                    break
    return found
