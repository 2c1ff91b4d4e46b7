"""Mock networks, their subnets and public addresses, all kept in the store.

Instances take addresses in subnets through their NICs (``bindings``); a public address is
handed out from a documentation range, so nothing the mock hands out is routable.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearth.errors import Conflict, ValidationError
from hearth.store import new_id

from .. import addressing
from ..caller import Caller, ensure_visible
from ..owned import owned_row, visible_rows
from ..parts import AddressesPart, NetworksPart, SubnetsPart
from ..resources import (
    Address,
    AddressCreate,
    Network,
    NetworkCreate,
    NetworkUpdate,
    Subnet,
    SubnetCreate,
    SubnetUpdate,
)
from ..row_models import network_model, subnet_model
from .bindings import serialize_allocations
from .context import MockContext
from .tables import MockAddress, MockBinding, MockInstance, MockNetwork, MockSubnet

PUBLIC_POOL = "203.0.113.0/24"


class Networks(NetworksPart):
    context: MockContext

    def list_networks(self, caller: Caller) -> list[Network]:
        q = visible_rows(MockNetwork, caller)
        with self.context.read() as s:
            return [network_model(r) for r in s.scalars(q)]

    def get_network(self, caller: Caller, network_id: str) -> Network:
        with self.context.read() as s:
            return network_model(_network_row(s, caller, network_id))

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        with self.context.write() as s:
            row = MockNetwork(
                id=new_id(),
                name=request.name,
                owner_id=caller.user_id,
                address_blocks=list(request.address_blocks),
            )
            s.add(row)
            s.flush()
            return network_model(row)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        with self.context.write() as s:
            row = _network_row(s, caller, network_id, modify=True)
            if request.address_blocks is not None:
                for sub in s.scalars(select(MockSubnet).where(MockSubnet.network_id == row.id)):
                    addressing.check_subnet_fits(sub.address_block, request.address_blocks, row.id)
                row.address_blocks = list(request.address_blocks)
            if request.name is not None:
                row.name = request.name
            s.flush()
            return network_model(row)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        with self.context.write() as s:
            row = _network_row(s, caller, network_id, modify=True)
            count = (
                s.scalar(select(func.count()).select_from(MockSubnet).where(MockSubnet.network_id == row.id))
                or 0
            )
            if count:
                raise Conflict(
                    f"network {row.id} still has {count} subnet(s); delete them first", network=row.id
                )
            s.delete(row)


class Subnets(SubnetsPart):
    context: MockContext

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        q = visible_rows(MockSubnet, caller)
        if network_id is not None:
            q = q.where(MockSubnet.network_id == network_id)
        with self.context.read() as s:
            return [subnet_model(r) for r in s.scalars(q)]

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        with self.context.read() as s:
            return subnet_model(_subnet_row(s, caller, subnet_id))

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        with self.context.write() as s:
            net = _network_row(s, caller, request.network_id, modify=True)
            addressing.check_subnet_fits(request.address_block, net.address_blocks, net.id)
            siblings = s.execute(
                select(MockSubnet.id, MockSubnet.address_block).where(MockSubnet.network_id == net.id)
            )
            addressing.check_no_overlap(request.address_block, [(i, b) for i, b in siblings])
            row = MockSubnet(
                id=new_id(),
                name=request.name,
                owner_id=net.owner_id,
                network_id=net.id,
                address_block=request.address_block,
            )
            s.add(row)
            s.flush()
            return subnet_model(row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        with self.context.write() as s:
            row = _subnet_row(s, caller, subnet_id, modify=True)
            row.name = request.name
            s.flush()
            return subnet_model(row)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        with self.context.write() as s:
            row = _subnet_row(s, caller, subnet_id, modify=True)
            bound = (
                s.scalar(select(func.count()).select_from(MockBinding).where(MockBinding.subnet_id == row.id))
                or 0
            )
            if bound:
                raise Conflict(f"subnet {row.id} is in use by {bound} instance(s)", subnet=row.id)
            s.delete(row)


class Addresses(AddressesPart):
    context: MockContext

    def list_addresses(self, caller: Caller) -> list[Address]:
        q = visible_rows(MockAddress, caller)
        with self.context.read() as s:
            return [address_model(r) for r in s.scalars(q)]

    def get_address(self, caller: Caller, address_id: str) -> Address:
        with self.context.read() as s:
            return address_model(_address_row(s, caller, address_id))

    def create_address(self, caller: Caller, request: AddressCreate) -> Address:
        with self.context.write() as s:
            serialize_allocations(s, MockAddress.__tablename__)
            used = set(s.scalars(select(MockAddress.ip_address)))
            ip = addressing.first_free(PUBLIC_POOL, used)
            if ip is None:
                raise Conflict("the public address pool is exhausted")
            address_id = new_id()
            row = MockAddress(
                id=address_id,
                name=request.name or f"addr-{address_id[:8]}",
                owner_id=caller.user_id,
                ip_address=ip,
                instance_id=None,
            )
            s.add(row)
            s.flush()
            return address_model(row)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        with self.context.write() as s:
            row = _address_row(s, caller, address_id, modify=True)
            if row.instance_id is not None:
                raise Conflict(
                    f"address {row.ip_address} is associated with instance {row.instance_id}; "
                    "disassociate it first",
                    address=row.id,
                )
            s.delete(row)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        with self.context.write() as s:
            row = _address_row(s, caller, address_id, modify=True)
            inst = s.get(MockInstance, instance_id)
            ensure_visible(caller, "instance", instance_id, inst.owner_id if inst else None)
            assert inst is not None
            if inst.owner_id != row.owner_id:
                raise ValidationError("an address can only be associated with an instance of the same owner")
            if row.instance_id is not None:
                raise Conflict(
                    f"address {row.ip_address} is already associated with instance {row.instance_id}",
                    address=row.id,
                )
            row.instance_id = inst.id
            s.flush()
            return address_model(row)

    def disassociate_address(self, caller: Caller, address_id: str) -> Address:
        with self.context.write() as s:
            row = _address_row(s, caller, address_id, modify=True)
            if row.instance_id is None:
                raise Conflict(f"address {row.ip_address} is not associated", address=row.id)
            row.instance_id = None
            s.flush()
            return address_model(row)


def address_model(row: MockAddress) -> Address:
    return Address(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        ip_address=row.ip_address,
        instance=row.instance_id,
    )


def _network_row(s: Session, caller: Caller, network_id: str, modify: bool = False) -> MockNetwork:
    return owned_row(s, MockNetwork, "network", caller, network_id, modify)


def _subnet_row(s: Session, caller: Caller, subnet_id: str, modify: bool = False) -> MockSubnet:
    return owned_row(s, MockSubnet, "subnet", caller, subnet_id, modify)


def _address_row(s: Session, caller: Caller, address_id: str, modify: bool = False) -> MockAddress:
    return owned_row(s, MockAddress, "address", caller, address_id, modify)
