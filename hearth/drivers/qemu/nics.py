"""Instance NICs: user mode, the driver's networks, Linux bridge, Open vSwitch, macvtap; kept in
the saved design, hot-plugged when running.

A user-mode NIC is its own QEMU slirp stack: outbound NAT, no inbound, no addresses the host could
report, so ``ips`` is empty. A bridge, OVS or macvtap NIC gets a host device the driver makes
(``hostnics``): its source is checked against the host's facts first (the rule templates and the
libvirt driver apply), the device is made and handed to QEMU at start and on hot-plug, and removed
on unplug and, by the context, once the guest has stopped. A NIC's device id comes from its MAC
(``design.nic_alias``), so the NIC added to a running guest and the one in its saved design are the
same device on the next start. A NIC on a network is a tap on the network's bridge; the address the
network's dnsmasq leased to it shows in the instance's bindings (``bindings``), not in ``ips``.
"""

from __future__ import annotations

import contextlib
import os

from hearth.domain import Domain, Interface
from hearth.errors import BackendError, HearthError, InvalidState, ValidationError
from hearth.qemu.devices import NIC_DEVICES
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.mac import check_mac, random_mac
from hearth.vocab.nic_kinds import LIBVIRT_TYPE, InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL, NicModel

from .. import interfaces as rules
from ..caller import Caller
from ..parts import InterfacesPart
from ..resources import InterfaceCreate, InterfaceUpdate, NetworkInterface
from . import design, hostnics, hotplug, networks
from .bindings import bound_nics
from .blueprint import check_kind
from .context import QemuContext


def nic_model(iface: Interface, instance_id: str, ip: str | None = None) -> NetworkInterface:
    # A type Hearth does not make for its kind (kind_of counts those as user mode) cannot run here.
    kind = rules.nic_kind(iface)
    if iface.type != LIBVIRT_TYPE[kind] or not iface.mac:
        raise BackendError(f"instance {instance_id} has a {iface.type} NIC the qemu driver cannot run")
    try:
        model = NicModel(iface.model or DEFAULT_NIC_MODEL)
    except ValueError:
        raise BackendError(f"instance {instance_id} has a NIC of unknown model {iface.model!r}") from None
    mode = hostnics.macvtap_mode(iface) if kind is InterfaceType.macvtap else None
    return NetworkInterface(
        mac=iface.mac.lower(),
        type=kind,
        source=rules.nic_source(iface) if kind is not InterfaceType.user else None,
        mode=mode,
        model=model,
        instance_id=instance_id,
        ips=[ip] if ip is not None else [],
    )


def _find(domain: Domain, instance_id: str, mac: str) -> Interface:
    found = domain.devices.interfaces.find(lambda i: (i.mac or "").lower() == mac)
    if found is None:
        raise rules.not_found(instance_id, mac)
    return found


class Interfaces(InterfacesPart):
    context: QemuContext

    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        iid, domain = self.context.saved_design(caller, instance_id)
        ips = self._ips(iid, domain)
        return [nic_model(i, iid, ips.get((i.mac or "").lower())) for i in domain.devices.interfaces]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        wanted = check_mac(mac)
        iid, domain = self.context.saved_design(caller, instance_id)
        return nic_model(_find(domain, iid, wanted), iid, self._ips(iid, domain).get(wanted))

    def _ips(self, instance_id: str, domain: Domain) -> dict[str, str]:
        return {mac: b.ip_address for mac, b in bound_nics(self.context, instance_id, domain).items()}

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        with self.context.changing_design(caller, instance_id) as change:
            iid, state, domain = change.instance_id, change.state, change.domain
            check_kind(request)
            source = request.source
            if request.type is InterfaceType.network and source is not None:
                source = networks.resolve(self.context, caller, source)
            rules.check_changeable(iid, state)
            taken = {(i.mac or "").lower() for i in domain.devices.interfaces}
            mac = request.mac or random_mac(taken)
            if mac in taken:
                raise rules.duplicate(iid, mac)
            if design.free_slots(domain, len(self.context.attached_volumes(iid))) < 1:
                raise ValidationError(f"instance {iid} has no free slot for another NIC", instance=iid)
            model = request.model or DEFAULT_NIC_MODEL
            iface = rules.interface_xml(request.type, source, mac, model, request.effective_mode)
            iface.alias = design.nic_alias(mac)
            if state is InstanceState.RUNNING:
                self._plug_live(iid, iface)
            domain.devices.interfaces.append(iface)
            change.save()
            return nic_model(iface, iid)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        wanted = check_mac(mac)
        with self.context.changing_design(caller, instance_id) as change:
            iid, state = change.instance_id, change.state
            iface = _find(change.domain, iid, wanted)
            view = nic_model(iface, iid)
            rules.check_update(iid, state, view, request)
            source = request.source
            if source is not None and view.type is InterfaceType.network:
                source = networks.resolve(self.context, caller, source)
            if source is not None and source != view.source:
                hostnics.check_source(view.type, source)
                if state is InstanceState.RUNNING:
                    self._move_live(iid, iface, source)
                if view.type is InterfaceType.macvtap:
                    iface.source_dev = source
                elif view.type is InterfaceType.network:
                    iface.source_network = source
                else:
                    iface.source_bridge = source
            if request.model is not None:
                iface.model = request.model.value
            change.save()
            return nic_model(iface, iid)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface | None:
        wanted = check_mac(mac)
        with self.context.changing_design(caller, instance_id) as change:
            iid, state = change.instance_id, change.state
            iface = _find(change.domain, iid, wanted)
            rules.check_changeable(iid, state)
            if state is InstanceState.RUNNING:
                hotplug.unplug_nic(self.context.handle(iid), iface.alias or design.nic_alias(wanted))
            change.domain.devices.interfaces.remove(iface)
            change.save()
            nic = hostnics.host_nic(iface)
            if nic is not None and state is InstanceState.RUNNING:  # a stopped guest's went at its stop
                try:
                    hostnics.remove_device(iid, nic)
                except HearthError as exc:
                    raise BackendError(
                        f"interface {wanted} was removed but its host device {nic.device(iid)} "
                        f"stays: {exc.message}",
                        device=nic.device(iid),
                    ) from None
        return None  # unplug_nic returned once QEMU reported the device deleted

    # --- host devices -------------------------------------------------------------------------

    def _plug_live(self, instance_id: str, iface: Interface) -> None:
        """Hot-plug ``iface`` into the running guest, its host device made first."""
        assert iface.alias is not None and iface.mac is not None
        handle = self.context.handle(instance_id)
        model = NIC_DEVICES[NicModel(iface.model or DEFAULT_NIC_MODEL)]
        nic = hostnics.host_nic(iface)
        if nic is None:
            hotplug.plug_nic(handle, iface.alias, iface.mac, model)
            return
        fd = hostnics.open_device(instance_id, nic)
        try:
            hotplug.plug_nic(handle, iface.alias, iface.mac, model, fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(HearthError):
                hostnics.remove_device(instance_id, nic)
            raise
        os.close(fd)  # QEMU holds its own copy now

    def _move_live(self, instance_id: str, iface: Interface, source: str) -> None:
        """Move a running NIC's tap to another bridge; a macvtap's host device is fixed while it runs."""
        nic = hostnics.host_nic(iface)
        assert nic is not None
        if nic.kind is InterfaceType.macvtap:
            raise InvalidState(
                f"the host interface of macvtap NIC {nic.mac} can only change while instance "
                f"{instance_id} is STOPPED",
                instance=instance_id,
                state=InstanceState.RUNNING.value,
            )
        hostnics.move(instance_id, nic, source)
