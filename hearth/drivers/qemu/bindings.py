"""An instance's addresses on the driver's networks.

An address asked for at create time (``InstanceCreate.networks``) is the driver's to give: a row
in ``qemu_bindings`` for the NIC's MAC, which the network's dnsmasq hands out as a reservation,
so the instance shows it from the start and the guest gets exactly it over DHCP. A NIC put on a
network otherwise (a template's networks, the interfaces part) has no binding row; its address is
what dnsmasq leased to its MAC, shown once the guest has asked for one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hearth.domain import Domain
from hearth.errors import ValidationError

from .. import addressing
from ..caller import Caller
from ..resources import NetworkBinding, NetworkRequest
from . import hostnets
from .context import QemuContext
from .rows import NETWORKS, SUBNETS
from .tables import QemuBinding, QemuNetwork, QemuSubnet


def check_request(s: Session, caller: Caller, req: NetworkRequest) -> list[QemuSubnet]:
    """The subnets a requested binding may come from (the network must be the caller's to use)."""
    net = NETWORKS.row(s, caller, req.network_id)
    if req.subnet_id is not None:
        sub = SUBNETS.row(s, caller, req.subnet_id)
        if sub.network_id != net.id:
            raise ValidationError(f"subnet {sub.id} does not belong to network {net.id}", subnet=sub.id)
        return [sub]
    subs = SUBNETS.of(s, net.id)
    if not subs:
        raise ValidationError(f"network {net.id} has no subnet to take an address from", network=net.id)
    return subs


def reserve(s: Session, caller: Caller, instance_id: str, mac: str, req: NetworkRequest) -> QemuBinding:
    """Give the instance's NIC ``mac`` an address on the requested network (and subnet, and IP)."""
    for sub in check_request(s, caller, req):
        used = set(s.scalars(select(QemuBinding.ip_address).where(QemuBinding.subnet_id == sub.id)))
        ip = addressing.pick_address(sub.address_block, used, req.ip_address, f"subnet {sub.id}")
        if ip is not None:
            row = QemuBinding(
                instance_id=instance_id, mac=mac, subnet_id=sub.id, network_id=sub.network_id, ip_address=ip
            )
            s.add(row)
            s.flush()
            return row
    raise addressing.no_free_address(req.network_id)


def release(s: Session, instance_id: str) -> set[str]:
    """Drop the instance's bindings; the networks whose reservations must be written again."""
    networks = set(s.scalars(select(QemuBinding.network_id).where(QemuBinding.instance_id == instance_id)))
    s.execute(delete(QemuBinding).where(QemuBinding.instance_id == instance_id))
    return networks


def publish(ctx: QemuContext, network_ids: Iterable[str]) -> None:
    """Hand each network's dnsmasq its bindings as they are in the store now."""
    with ctx.read() as s:
        for network_id in set(network_ids):
            net = s.get(QemuNetwork, network_id)
            if net is None:
                continue
            pairs = s.execute(
                select(QemuBinding.mac, QemuBinding.ip_address).where(QemuBinding.network_id == net.id)
            )
            hostnets.reserve(ctx.layout.network_dir(net.bridge), [(m, ip) for m, ip in pairs])


def network_bindings(ctx: QemuContext, instance_id: str, domain: Domain) -> list[NetworkBinding]:
    """The instance's bindings, then the leases of its NICs on networks that hold none."""
    return list(bound_nics(ctx, instance_id, domain).values())


def bound_nics(ctx: QemuContext, instance_id: str, domain: Domain) -> dict[str, NetworkBinding]:
    """MAC → binding of each of the instance's NICs on a network that has an address there."""
    on_networks = [
        (i.source_network, (i.mac or "").lower())
        for i in domain.devices.interfaces
        if i.type == "network" and i.source_network
    ]
    if not on_networks:
        return {}
    found: dict[str, NetworkBinding] = {}
    with ctx.read() as s:
        mine = s.scalars(select(QemuBinding).where(QemuBinding.instance_id == instance_id))
        rows = {b.mac: b for b in mine}
        for network_id, mac in on_networks:
            if mac in rows:
                b = rows[mac]
                found[mac] = NetworkBinding(network=b.network_id, subnet=b.subnet_id, ip_address=b.ip_address)
                continue
            net = s.get(QemuNetwork, network_id)
            ip = hostnets.leases(ctx.layout.network_dir(net.bridge)).get(mac) if net is not None else None
            if net is None or ip is None:
                continue
            for sub in SUBNETS.of(s, net.id):
                if ipaddress.ip_address(ip) in ipaddress.ip_network(sub.address_block):
                    found[mac] = NetworkBinding(network=net.id, subnet=sub.id, ip_address=ip)
                    break
    return found
