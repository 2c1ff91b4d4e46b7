"""Instance NICs on libvirt: ``<interface>`` devices, changed live and persistently.

The list comes from the persistent definition (what the guest has and keeps after a restart;
every change is applied to both). Addresses are what the host knows for the MAC: DHCP
reservations, leases, and the ARP table.
"""

from __future__ import annotations

from hearth.domain import Domain, Interface

from .. import interfaces as rules
from ..caller import Caller
from ..resources import (
    DEFAULT_NIC_MODEL,
    InterfaceCreate,
    InterfaceType,
    InterfaceUpdate,
    MacvtapMode,
    NetworkInterface,
    NicModel,
)
from . import build
from .core import Found
from .instances import InstanceOps
from .networking import NetView


def _append(xml: Domain, iface: Interface) -> None:
    xml.devices.interfaces.append(iface)


class NicOps(InstanceOps):
    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        found = self._find(caller, instance_id)
        net = NetView(self, found.link)
        return [self._nic(found, i, net) for i in found.xml.devices.interfaces if i.mac]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        mac = rules.parse_mac(mac)
        found = self._find(caller, instance_id)
        return self._nic(found, self._iface(found, mac), NetView(self, found.link))

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        found = self._find(caller, instance_id)
        rules.check_changeable(found.id, self._state_of(found))
        taken = {i.mac.lower() for i in found.xml.devices.interfaces if i.mac}
        mac = request.mac or rules.random_mac(taken)
        if mac in taken:
            raise rules.duplicate(found.id, mac)
        source = request.source
        if request.type is InterfaceType.network:
            assert request.source is not None
            source = self._resolve_network(caller, found.link, request.source).libvirt_name
        else:
            self._check_nic_source(found.link, request.type, source)
        nic = build.Nic(
            request.type, source, mac, request.model or NicModel(DEFAULT_NIC_MODEL), request.effective_mode
        )
        iface = rules.interface_xml(nic.type, nic.source, nic.mac, nic.model, nic.mode)
        self._change_device(found, "attach", iface.to_xml(), lambda x: _append(x, iface))
        return self.get_interface(caller, instance_id, mac)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        mac = rules.parse_mac(mac)
        found = self._find(caller, instance_id)
        current = self._iface(found, mac)
        view = self._nic(found, current, NetView(self, found.link))
        rules.check_update(found.id, self._state_of(found), view, request)
        new_source = rules.nic_source(current)
        if request.source is not None:
            new_source = request.source
            if view.type is InterfaceType.network:
                new_source = self._resolve_network(caller, found.link, request.source).libvirt_name
            else:
                self._check_nic_source(found.link, view.type, new_source)
        changed = Interface.from_xml(current.to_xml())
        if request.source is not None:
            if changed.type == "network":
                if new_source != current.source_network:
                    self._release(found.link, current.source_network, [mac])  # the old address goes
                changed.source_network = new_source
            elif changed.type == "bridge":
                changed.source_bridge = new_source
            elif changed.type == "direct":
                changed.source_dev = new_source
        if request.model is not None:
            changed.model = request.model.value

        def edit(xml: Domain) -> None:
            for i in xml.devices.interfaces:
                if (i.mac or "").lower() == mac:
                    i.source_network, i.source_bridge, i.source_dev = (
                        changed.source_network,
                        changed.source_bridge,
                        changed.source_dev,
                    )
                    i.model = changed.model

        self._change_device(found, "update", changed.to_xml(), edit)
        return self.get_interface(caller, instance_id, mac)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> None:
        mac = rules.parse_mac(mac)
        found = self._find(caller, instance_id)
        current = self._iface(found, mac)
        rules.check_changeable(found.id, self._state_of(found))

        def edit(xml: Domain) -> None:
            for i in xml.devices.interfaces:
                if (i.mac or "").lower() == mac:
                    i.remove()

        self._change_device(found, "detach", current.to_xml(), edit)
        if current.type == "network":
            self._release(found.link, current.source_network, [mac])

    def _iface(self, found: Found, mac: str) -> Interface:
        for iface in found.xml.devices.interfaces:
            if (iface.mac or "").lower() == mac:
                return iface
        raise rules.not_found(found.id, mac)

    def _nic(self, found: Found, iface: Interface, net: NetView) -> NetworkInterface:
        kind = rules.nic_kind(iface)
        source = rules.nic_source(iface)
        ips: list[str] = []
        if kind is InterfaceType.network and source is not None:
            info = net.network(source)
            ips = net.ips(source, iface.mac)
            source = info.id if info is not None else source
        elif iface.mac:
            ips = [ip for ip in net.arp().get(iface.mac.lower(), []) if not ip.startswith("fe80:")]
        model = iface.model if iface.model in {m.value for m in NicModel} else DEFAULT_NIC_MODEL
        mode = iface.source_mode if kind is InterfaceType.macvtap else None
        return NetworkInterface(
            mac=(iface.mac or "").lower(),
            type=kind,
            source=source,
            mode=MacvtapMode(mode) if mode in {m.value for m in MacvtapMode} else None,
            model=NicModel(model),
            ips=ips,
            instance_id=found.id,
        )
