"""Instance NICs: user-mode networking only, kept in the saved design, hot-plugged when running.

Each NIC is its own QEMU user-mode (slirp) stack: outbound NAT, no inbound, no addresses the
host could report, so ``ips`` is empty. A NIC's device id comes from its MAC (``design.nic_alias``),
so the NIC added to a running guest and the one in its saved design are the same device on the
next start. Network, bridge, OVS and macvtap NICs need host networking the qemu driver does not
manage: a NIC on a network is refused like an unknown network (ValidationError), the others as
NotSupported.
"""

from __future__ import annotations

from hearth.domain import Domain, Interface
from hearth.errors import BackendError, ValidationError

from .. import interfaces as rules
from ..caller import Caller
from ..resources import (
    DEFAULT_NIC_MODEL,
    InstanceState,
    InterfaceCreate,
    InterfaceType,
    InterfaceUpdate,
    NetworkInterface,
    NicModel,
)
from . import design, hotplug
from .blueprint import check_kind
from .storage import StorageOps

# The guest-visible model of each NicModel, as QEMU names the device.
QEMU_NIC = {
    NicModel.virtio: "virtio-net-pci",
    NicModel.e1000e: "e1000e",
    NicModel.e1000: "e1000",
    NicModel.rtl8139: "rtl8139",
}


def nic_model(iface: Interface, instance_id: str) -> NetworkInterface:
    if iface.type != "user" or not iface.mac:
        raise BackendError(f"instance {instance_id} has a {iface.type} NIC the qemu driver cannot run")
    try:
        model = NicModel(iface.model or DEFAULT_NIC_MODEL)
    except ValueError:
        raise BackendError(f"instance {instance_id} has a NIC of unknown model {iface.model!r}") from None
    return NetworkInterface(
        mac=iface.mac.lower(), type=InterfaceType.user, model=model, instance_id=instance_id
    )


def _find(domain: Domain, instance_id: str, mac: str) -> Interface:
    found = domain.devices.interfaces.find(lambda i: (i.mac or "").lower() == mac)
    if found is None:
        raise rules.not_found(instance_id, mac)
    return found


class InterfaceOps(StorageOps):
    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        row = self._instance_row(caller, instance_id)
        domain = design.load(self.layout.instance_dir(row.id))
        return [nic_model(i, row.id) for i in domain.devices.interfaces]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        wanted = rules.parse_mac(mac)
        row = self._instance_row(caller, instance_id)
        domain = design.load(self.layout.instance_dir(row.id))
        return nic_model(_find(domain, row.id, wanted), row.id)

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        row = self._instance_row(caller, instance_id)
        check_kind(request)
        with self._instance_lock(row.id):
            state = self._observe_row(row).state
            rules.check_changeable(row.id, state)
            where = self.layout.instance_dir(row.id)
            domain = design.load(where)
            taken = {(i.mac or "").lower() for i in domain.devices.interfaces}
            mac = request.mac or rules.random_mac(taken)
            if mac in taken:
                raise rules.duplicate(row.id, mac)
            if design.free_slots(domain, self._attached_count(row.id)) < 1:
                raise ValidationError(f"instance {row.id} has no free slot for another NIC", instance=row.id)
            model = request.model or NicModel(DEFAULT_NIC_MODEL)
            iface = Interface()
            iface.type = "user"
            iface.mac = mac
            iface.model = model.value
            iface.alias = design.nic_alias(mac)
            domain.devices.interfaces.append(iface)
            if state is InstanceState.RUNNING:
                hotplug.plug_nic(self._handle(row.id), iface.alias, mac, QEMU_NIC[model])
            design.save(domain, where)
            return nic_model(iface, row.id)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        wanted = rules.parse_mac(mac)
        row = self._instance_row(caller, instance_id)
        with self._instance_lock(row.id):
            state = self._observe_row(row).state
            where = self.layout.instance_dir(row.id)
            domain = design.load(where)
            iface = _find(domain, row.id, wanted)
            rules.check_update(row.id, state, nic_model(iface, row.id), request)
            if request.model is not None:
                iface.model = request.model.value
            design.save(domain, where)
            return nic_model(iface, row.id)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> None:
        wanted = rules.parse_mac(mac)
        row = self._instance_row(caller, instance_id)
        with self._instance_lock(row.id):
            state = self._observe_row(row).state
            where = self.layout.instance_dir(row.id)
            domain = design.load(where)
            iface = _find(domain, row.id, wanted)
            rules.check_changeable(row.id, state)
            if state is InstanceState.RUNNING:
                hotplug.unplug_nic(self._handle(row.id), iface.alias or design.nic_alias(wanted))
            domain.devices.interfaces.remove(iface)
            design.save(domain, where)
