"""Instance NICs on libvirt: ``<interface>`` devices, changed live and persistently.

The list comes from the persistent definition (what the guest has and keeps after a restart;
every change is applied to both), plus the NICs a running guest has been asked to release and
still holds (``detaches``: listed ``detaching``, then ``error`` after the timeout). Addresses
are what the host knows for the MAC: DHCP reservations, leases, and the ARP table.
"""

from __future__ import annotations

from hearth.domain import Domain, Interface
from hearth.vocab.mac import check_mac, random_mac
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL, NicModel
from hearth.vocab.nic_states import NicState

from .. import interfaces as rules
from ..caller import Caller
from ..parts import InterfacesPart
from ..resources import InterfaceCreate, InterfaceUpdate, NetworkInterface
from . import build, dhcp
from .context import Found, LibvirtContext
from .detaches import Detach
from .netinfo import NetView, resolve_network


def _append(xml: Domain, iface: Interface) -> None:
    xml.devices.interfaces.append(iface)


class Interfaces(InterfacesPart):
    context: LibvirtContext

    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        found = self.context.find(caller, instance_id)
        net = NetView(self.context, found.link)
        defined = [_nic(found, i, net) for i in found.xml.devices.interfaces if i.mac]
        return defined + [_leaving(found, d, net) for d in self._pending(found)]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        mac = check_mac(mac)
        found = self.context.find(caller, instance_id)
        net = NetView(self.context, found.link)
        pending = next((d for d in self._pending(found) if d.mac == mac), None)
        if pending is not None:
            return _leaving(found, pending, net)
        return _nic(found, _iface(found, mac), net)

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        found = self.context.find(caller, instance_id)
        rules.check_changeable(found.id, self.context.state_of(found))
        taken = {i.mac.lower() for i in found.xml.devices.interfaces if i.mac}
        taken |= {d.mac for d in self._pending(found)}  # still held by the guest
        mac = request.mac or random_mac(taken)
        if mac in taken:
            raise rules.duplicate(found.id, mac)
        source = request.source
        if request.type is InterfaceType.network:
            assert request.source is not None
            source = resolve_network(self.context, caller, found.link, request.source).libvirt_name
        else:
            self.context.check_nic_source(found.link, request.type, source)
        nic = build.Nic(request.type, source, mac, request.model or DEFAULT_NIC_MODEL, request.effective_mode)
        iface = rules.interface_xml(nic.type, nic.source, nic.mac, nic.model, nic.mode)
        self.context.change_device(found, "attach", iface.to_xml(), lambda x: _append(x, iface))
        return self.get_interface(caller, instance_id, mac)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        mac = check_mac(mac)
        found = self.context.find(caller, instance_id)
        current = _iface(found, mac)
        view = _nic(found, current, NetView(self.context, found.link))
        rules.check_update(found.id, self.context.state_of(found), view, request)
        new_source = rules.nic_source(current)
        if request.source is not None:
            new_source = request.source
            if view.type is InterfaceType.network:
                new_source = resolve_network(self.context, caller, found.link, request.source).libvirt_name
            else:
                self.context.check_nic_source(found.link, view.type, new_source)
        changed = Interface.from_xml(current.to_xml())
        if request.source is not None:
            if view.type is InterfaceType.network:
                if new_source != current.source_network:
                    dhcp.release(found.link, current.source_network, [mac])  # the old address goes
                changed.source_network = new_source
            elif view.type in (InterfaceType.bridge, InterfaceType.ovs):
                changed.source_bridge = new_source
            elif view.type is InterfaceType.macvtap:
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

        self.context.change_device(found, "update", changed.to_xml(), edit)
        return self.get_interface(caller, instance_id, mac)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface | None:
        """Gone from the definition at once; on a running guest the device stays until the guest
        releases it, and the NIC is answered (and listed) ``detaching`` meanwhile."""
        mac = check_mac(mac)
        found = self.context.find(caller, instance_id)
        net = NetView(self.context, found.link)
        pending = next((d for d in self._pending(found) if d.mac == mac), None)
        current = _iface(found, mac) if pending is None else pending.interface
        rules.check_changeable(found.id, self.context.state_of(found))
        if pending is not None:  # asked before: still under way, or asked again after an error
            if pending.failed is not None:
                self.context.change_live_device(found, "detach", pending.xml)
                pending = self.context.detaches.begin(found.id, found.meta.owner_id, current)
            return _leaving(found, pending, net)

        def edit(xml: Domain) -> None:
            for i in xml.devices.interfaces:
                if (i.mac or "").lower() == mac:
                    i.remove()

        self.context.change_device(found, "detach", current.to_xml(), edit)
        if rules.nic_kind(current) is InterfaceType.network:
            dhcp.release(found.link, current.source_network, [mac])
        held = self.context.live_interfaces(found).get(mac)
        if held is None:
            return None  # stopped, or released at once
        return _leaving(found, self.context.detaches.begin(found.id, found.meta.owner_id, held), net)

    def _pending(self, found: Found) -> list[Detach]:
        """The removals under way on this instance that the live definition confirms; the others
        (released, the guest stopped) end here, event or not."""
        detaches = self.context.detaches
        pending = detaches.of(found.id)
        if not pending:
            return []
        live = self.context.live_interfaces(found)
        if not live:
            detaches.forget(found.id)
            return []
        for gone in [d for d in pending if d.mac not in live]:
            detaches.end(found.id, gone.mac)
        return [d for d in pending if d.mac in live]


def _leaving(found: Found, detach: Detach, net: NetView) -> NetworkInterface:
    state = NicState.detaching if detach.failed is None else NicState.error
    return _nic(found, detach.interface, net).model_copy(
        update={"state": state, "state_reason": detach.failed}
    )


def _iface(found: Found, mac: str) -> Interface:
    for iface in found.xml.devices.interfaces:
        if (iface.mac or "").lower() == mac:
            return iface
    raise rules.not_found(found.id, mac)


def _nic(found: Found, iface: Interface, net: NetView) -> NetworkInterface:
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
