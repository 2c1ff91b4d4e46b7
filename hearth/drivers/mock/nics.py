"""Mock instance NICs: rows in ``mock_interfaces``, each NIC on a network holding one address binding.

Keeping the binding on the NIC (its ``subnet_id``) is what keeps ``network_bindings`` honest: a
NIC added on a network takes an address, a NIC removed or moved gives it back. Bridge, OVS and
macvtap sources name host devices the mock has no host to check, so any valid name is accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hearth.errors import Conflict, ValidationError
from hearth.store.models import utcnow

from .. import addressing
from .. import interfaces as nics
from ..caller import Caller, can_see, ensure_visible
from ..resources import (
    DEFAULT_NIC_MODEL,
    InstanceState,
    InterfaceCreate,
    InterfaceType,
    InterfaceUpdate,
    MacvtapMode,
    NetworkInterface,
    NicModel,
)
from .core import effective_state, serialize_allocations
from .storage import StorageOps
from .tables import MockBinding, MockInstance, MockInterface, MockNetwork, MockSubnet


def _next_stamp(s: Session, instance_id: str) -> datetime:
    """A creation time later than every NIC the instance has, so listing by it is creation order.

    Within one transaction (an instance built with several NICs) or after the wall clock steps
    back, plain "now" can tie or go backwards, and the MAC tie-break would then decide the order.
    """
    now = utcnow()
    last = s.scalar(select(func.max(MockInterface.created)).where(MockInterface.instance_id == instance_id))
    return now if last is None or now > last else last + timedelta(microseconds=1)


class NicOps(StorageOps):
    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        with self._read() as s:
            self._instance_state(s, caller, instance_id)
            q = (
                select(MockInterface)
                .where(MockInterface.instance_id == instance_id)
                .order_by(MockInterface.created, MockInterface.mac)
            )
            return [self._nic_model(s, r) for r in s.scalars(q)]

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        with self._read() as s:
            self._instance_state(s, caller, instance_id)
            return self._nic_model(s, self._nic_row(s, instance_id, nics.parse_mac(mac)))

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        with self._write() as s:
            inst, state = self._instance_state(s, caller, instance_id, lock=True)
            nics.check_changeable(instance_id, state)
            row = self._add_nic(s, caller, inst, request)
            return self._nic_model(s, row)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        with self._write() as s:
            inst, state = self._instance_state(s, caller, instance_id, lock=True)
            row = self._nic_row(s, instance_id, nics.parse_mac(mac))
            nics.check_update(instance_id, state, self._nic_model(s, row), request)
            if request.source is not None and request.source != row.source:
                if row.type == InterfaceType.network.value:
                    self._release(s, row)
                    net = self._resolve_network(s, caller, request.source)
                    row.source, row.subnet_id = net.id, self._allocate(s, inst.id, net)
                else:
                    row.source = request.source
            if request.model is not None:
                row.model = request.model.value
            s.flush()
            return self._nic_model(s, row)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> None:
        with self._write() as s:
            _, state = self._instance_state(s, caller, instance_id, lock=True)
            row = self._nic_row(s, instance_id, nics.parse_mac(mac))
            nics.check_changeable(instance_id, state)
            self._release(s, row)
            s.delete(row)

    # --- shared with instance creation --------------------------------------------------------

    def _add_nic(
        self, s: Session, caller: Caller, inst: MockInstance, request: InterfaceCreate
    ) -> MockInterface:
        taken = set(s.scalars(select(MockInterface.mac).where(MockInterface.instance_id == inst.id)))
        mac = request.mac or nics.random_mac(taken)
        if mac in taken:
            raise nics.duplicate(inst.id, mac)
        source, subnet_id = request.source, None
        if request.type is InterfaceType.network:
            assert request.source is not None  # InterfaceCreate requires it
            net = self._resolve_network(s, caller, request.source)
            source, subnet_id = net.id, self._allocate(s, inst.id, net)
        mode = request.effective_mode
        row = MockInterface(
            created=_next_stamp(s, inst.id),
            instance_id=inst.id,
            mac=mac,
            type=request.type.value,
            source=source,
            mode=mode.value if mode else None,
            model=(request.model or NicModel(DEFAULT_NIC_MODEL)).value,
            subnet_id=subnet_id,
        )
        s.add(row)
        s.flush()
        return row

    def _nic_for_binding(self, s: Session, inst: MockInstance, binding: MockBinding) -> None:
        """The NIC an address requested at create time (``InstanceCreate.networks``) arrives on."""
        taken = set(s.scalars(select(MockInterface.mac).where(MockInterface.instance_id == inst.id)))
        s.add(
            MockInterface(
                created=_next_stamp(s, inst.id),
                instance_id=inst.id,
                mac=nics.random_mac(taken),
                type=InterfaceType.network.value,
                source=binding.network_id,
                mode=None,
                model=DEFAULT_NIC_MODEL,
                subnet_id=binding.subnet_id,
            )
        )
        s.flush()

    def _resolve_network(self, s: Session, caller: Caller, ref: str) -> MockNetwork:
        """A network the caller may use, by id or else by name; unknown is a ValidationError (400)."""
        row = s.get(MockNetwork, ref)
        if row is not None and can_see(caller, row.owner_id):
            return row
        named = [
            r
            for r in s.scalars(select(MockNetwork).where(MockNetwork.name == ref))
            if can_see(caller, r.owner_id)
        ]
        if len(named) == 1:
            return named[0]
        if named:
            raise ValidationError(
                f"network name {ref!r} is ambiguous ({len(named)} networks); give the network id",
                network=ref,
            )
        raise ValidationError(f"network {ref!r} does not exist", network=ref)

    def _allocate(self, s: Session, instance_id: str, net: MockNetwork) -> str | None:
        """Bind the instance to the first subnet of ``net`` it has no address on yet.

        None when the network has no subnets, or when the instance already holds an address on
        each of them (``mock_bindings`` keeps one per instance and subnet): such a further NIC
        is shown without an address, as a real guest's NIC is before it gets a lease.
        """
        subs = list(
            s.scalars(select(MockSubnet).where(MockSubnet.network_id == net.id).order_by(MockSubnet.created))
        )
        serialize_allocations(s, MockBinding.__tablename__)
        mine = set(s.scalars(select(MockBinding.subnet_id).where(MockBinding.instance_id == instance_id)))
        free = [sub for sub in subs if sub.id not in mine]
        for sub in free:
            used = set(s.scalars(select(MockBinding.ip_address).where(MockBinding.subnet_id == sub.id)))
            ip = addressing.first_free(sub.address_block, used)
            if ip is not None:
                s.add(
                    MockBinding(instance_id=instance_id, subnet_id=sub.id, network_id=net.id, ip_address=ip)
                )
                s.flush()
                return sub.id
        if free:
            raise Conflict(f"network {net.id} has no free address left", network=net.id)
        return None

    def _release(self, s: Session, row: MockInterface) -> None:
        if row.subnet_id is not None:
            s.execute(
                delete(MockBinding).where(
                    MockBinding.instance_id == row.instance_id, MockBinding.subnet_id == row.subnet_id
                )
            )
            row.subnet_id = None

    def _instance_state(
        self, s: Session, caller: Caller, instance_id: str, lock: bool = False
    ) -> tuple[MockInstance, InstanceState]:
        inst = s.get(MockInstance, instance_id, with_for_update=lock)
        ensure_visible(caller, "instance", instance_id, inst.owner_id if inst else None)
        assert inst is not None
        state, _ = effective_state(inst.state, inst.next_state, inst.next_at, self.clock())
        return inst, state

    def _nic_row(self, s: Session, instance_id: str, mac: str) -> MockInterface:
        row = s.get(MockInterface, (instance_id, mac))
        if row is None:
            raise nics.not_found(instance_id, mac)
        return row

    def _nic_model(self, s: Session, row: MockInterface) -> NetworkInterface:
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
