"""Mock instance NICs: rows in ``mock_interfaces``, each NIC on a network holding one address
binding (see ``bindings``). Bridge, OVS and macvtap sources name host devices the mock has no
host to check, so any valid name is accepted.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.vocab.mac import check_mac
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from .. import interfaces as nics
from ..caller import Caller
from ..parts import InterfacesPart
from ..resources import InterfaceCreate, InterfaceUpdate, NetworkInterface
from .bindings import add_nic, allocate, release, resolve_network
from .context import MockContext
from .tables import MockBinding, MockInterface
from .watch import device_event


class Interfaces(InterfacesPart):
    context: MockContext

    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        with self.context.read() as s:
            self.context.instance_state(s, caller, instance_id)
            q = (
                select(MockInterface)
                .where(MockInterface.instance_id == instance_id)
                .order_by(MockInterface.created, MockInterface.mac)
            )
            return [_nic_model(s, r) for r in s.scalars(q)]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        with self.context.read() as s:
            self.context.instance_state(s, caller, instance_id)
            return _nic_model(s, _nic_row(s, instance_id, check_mac(mac)))

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            nics.check_changeable(instance_id, state)
            row = add_nic(s, caller, inst, request)
            nic, owner = _nic_model(s, row), inst.owner_id
        self._device(instance_id, owner, "added", nic.mac)
        return nic

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            row = _nic_row(s, instance_id, check_mac(mac))
            nics.check_update(instance_id, state, _nic_model(s, row), request)
            if request.source is not None and request.source != row.source:
                if row.type == InterfaceType.network.value:
                    release(s, row)
                    net = resolve_network(s, caller, request.source)
                    row.source, row.subnet_id = net.id, allocate(s, inst.id, net)
                else:
                    row.source = request.source
            if request.model is not None:
                row.model = request.model.value
            s.flush()
            nic, owner = _nic_model(s, row), inst.owner_id
        self._device(instance_id, owner, "changed", nic.mac)
        return nic

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface | None:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            row = _nic_row(s, instance_id, check_mac(mac))
            nics.check_changeable(instance_id, state)
            release(s, row)
            s.delete(row)
            owner, gone = inst.owner_id, row.mac
        self._device(instance_id, owner, "removed", gone)
        return None  # the simulated guest lets go at once

    def _device(self, instance_id: str, owner: str, change: str, mac: str) -> None:
        events = self.context.events
        if events.watched:
            events.emit(device_event(instance_id, owner, "nic", change, mac))


def _nic_row(s: Session, instance_id: str, mac: str) -> MockInterface:
    row = s.get(MockInterface, (instance_id, mac))
    if row is None:
        raise nics.not_found(instance_id, mac)
    return row


def _nic_model(s: Session, row: MockInterface) -> NetworkInterface:
    ips: list[str] = []
    if row.subnet_id is not None:
        ip = s.scalar(
            select(MockBinding.ip_address).where(
                MockBinding.instance_id == row.instance_id, MockBinding.subnet_id == row.subnet_id
            )
        )
        ips = [ip] if ip else []
    return NetworkInterface(
        mac=row.mac,
        type=InterfaceType(row.type),
        source=row.source,
        mode=MacvtapMode(row.mode) if row.mode else None,
        model=NicModel(row.model),
        ips=ips,
        instance_id=row.instance_id,
    )
