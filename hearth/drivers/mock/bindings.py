"""Instance NICs and the address bindings they carry: what instance creation, the interfaces
part and public addresses all write.

Keeping the binding on the NIC (its ``subnet_id``) is what keeps ``network_bindings`` honest: a
NIC added on a network takes an address, a NIC removed or moved gives it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from hearth.errors import ValidationError
from hearth.store.models import utcnow
from hearth.vocab.mac import random_mac
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL

from .. import addressing
from .. import interfaces as nics
from ..caller import Caller
from ..resources import (
    InterfaceCreate,
    NetworkRequest,
)
from .rows import NETWORKS, SUBNETS
from .tables import MockBinding, MockInstance, MockInterface, MockNetwork, MockSubnet


def serialize_allocations(session: Session, table: str) -> None:
    """Make "pick the first free address, insert it" atomic across concurrent writers.

    SQLite write transactions already hold the database write lock (BEGIN IMMEDIATE); PostgreSQL
    needs the table locked against other allocators (readers are not blocked).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


def bind(s: Session, caller: Caller, instance_id: str, req: NetworkRequest) -> MockBinding:
    """Give a new instance an address on the requested network (and subnet, and IP)."""
    net = NETWORKS.row(s, caller, req.network_id)  # shared ones are usable by all
    if req.subnet_id is not None:
        sub = SUBNETS.row(s, caller, req.subnet_id)
        if sub.network_id != net.id:
            raise ValidationError(f"subnet {sub.id} does not belong to network {net.id}", subnet=sub.id)
        candidates = [sub]
    else:
        candidates = SUBNETS.of(s, net.id)
        if not candidates:
            raise ValidationError(f"network {net.id} has no subnet to take an address from", network=net.id)
    serialize_allocations(s, MockBinding.__tablename__)
    for sub in candidates:
        ip = addressing.pick_address(sub.address_block, _used(s, sub), req.ip_address, f"subnet {sub.id}")
        if ip is not None:
            binding = MockBinding(instance_id=instance_id, subnet_id=sub.id, network_id=net.id, ip_address=ip)
            s.add(binding)
            return binding
    raise addressing.no_free_address(net.id)


def resolve_network(s: Session, caller: Caller, ref: str) -> MockNetwork:
    """A network the caller may use, by id or else by name; unknown is a ValidationError (400)."""
    row = NETWORKS.by_ref(s, caller, ref)
    if row is None:
        raise NETWORKS.unknown(ref)
    return row


def allocate(s: Session, instance_id: str, net: MockNetwork) -> str | None:
    """Bind the instance to the first subnet of ``net`` it has no address on yet.

    None when the network has no subnets, or when the instance already holds an address on
    each of them (``mock_bindings`` keeps one per instance and subnet): such a further NIC
    is shown without an address, as a real guest's NIC is before it gets a lease.
    """
    subs = SUBNETS.of(s, net.id)
    serialize_allocations(s, MockBinding.__tablename__)
    mine = set(s.scalars(select(MockBinding.subnet_id).where(MockBinding.instance_id == instance_id)))
    free = [sub for sub in subs if sub.id not in mine]
    for sub in free:
        ip = addressing.first_free(sub.address_block, _used(s, sub))
        if ip is not None:
            s.add(MockBinding(instance_id=instance_id, subnet_id=sub.id, network_id=net.id, ip_address=ip))
            s.flush()
            return sub.id
    if free:
        raise addressing.no_free_address(net.id)
    return None


def _used(s: Session, sub: MockSubnet) -> set[str]:
    return set(s.scalars(select(MockBinding.ip_address).where(MockBinding.subnet_id == sub.id)))


def release(s: Session, row: MockInterface) -> None:
    """Give back the address the NIC holds, if any."""
    if row.subnet_id is not None:
        s.execute(
            delete(MockBinding).where(
                MockBinding.instance_id == row.instance_id, MockBinding.subnet_id == row.subnet_id
            )
        )
        row.subnet_id = None


def add_nic(s: Session, caller: Caller, inst: MockInstance, request: InterfaceCreate) -> MockInterface:
    """A new NIC row; one on a network takes an address there."""
    taken = set(s.scalars(select(MockInterface.mac).where(MockInterface.instance_id == inst.id)))
    mac = request.mac or random_mac(taken)
    if mac in taken:
        raise nics.duplicate(inst.id, mac)
    source, subnet_id = request.source, None
    if request.type is InterfaceType.network:
        assert request.source is not None  # InterfaceCreate requires it
        net = resolve_network(s, caller, request.source)
        source, subnet_id = net.id, allocate(s, inst.id, net)
    mode = request.effective_mode
    row = MockInterface(
        created=_next_stamp(s, inst.id),
        instance_id=inst.id,
        mac=mac,
        type=request.type.value,
        source=source,
        mode=mode.value if mode else None,
        model=(request.model or DEFAULT_NIC_MODEL).value,
        subnet_id=subnet_id,
    )
    s.add(row)
    s.flush()
    return row


def nic_for_binding(s: Session, inst: MockInstance, binding: MockBinding) -> None:
    """The NIC an address requested at create time (``InstanceCreate.networks``) arrives on."""
    taken = set(s.scalars(select(MockInterface.mac).where(MockInterface.instance_id == inst.id)))
    s.add(
        MockInterface(
            created=_next_stamp(s, inst.id),
            instance_id=inst.id,
            mac=random_mac(taken),
            type=InterfaceType.network.value,
            source=binding.network_id,
            mode=None,
            model=DEFAULT_NIC_MODEL.value,
            subnet_id=binding.subnet_id,
        )
    )
    s.flush()


def _next_stamp(s: Session, instance_id: str) -> datetime:
    """A creation time later than every NIC the instance has, so listing by it is creation order.

    Within one transaction (an instance built with several NICs) or after the wall clock steps
    back, plain "now" can tie or go backwards, and the MAC tie-break would then decide the order.
    """
    now = utcnow()
    last = s.scalar(select(func.max(MockInterface.created)).where(MockInterface.instance_id == instance_id))
    return now if last is None or now > last else last + timedelta(microseconds=1)
