"""Mock networks, their subnets and public addresses, all kept in the store.

Instances take addresses in subnets through their NICs (``bindings``); a public address is
handed out from a documentation range, so nothing the mock hands out is routable.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hearth.errors import Conflict, ValidationError
from hearth.store import new_id

from .. import addressing, network_rules
from ..caller import Caller
from ..owned import OwnedCollection
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
from .bindings import serialize_allocations
from .context import MockContext
from .rows import NETWORKS, SUBNETS
from .tables import MockAddress, MockBinding, MockNetwork, MockSubnet

PUBLIC_POOL = "203.0.113.0/24"


class Networks(NetworksPart):
    context: MockContext

    def list_networks(self, caller: Caller) -> list[Network]:
        return NETWORKS.list(self.context, caller)

    def get_network(self, caller: Caller, network_id: str) -> Network:
        return NETWORKS.get(self.context, caller, network_id)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        with self.context.write() as s:
            row = MockNetwork(
                id=new_id(),
                name=request.name,
                owner_id=caller.user_id,
                address_blocks=list(request.address_blocks),
            )
            return NETWORKS.add(s, row)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        def edit(s: Session, row: MockNetwork) -> None:
            network_rules.change_network(row, SUBNETS.of(s, row.id), request)

        return NETWORKS.change(self.context, caller, network_id, edit)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        def check(s: Session, row: MockNetwork) -> None:
            network_rules.check_network_deletable(row.id, SUBNETS.count_of(s, row.id))

        NETWORKS.delete(self.context, caller, network_id, check)


class Subnets(SubnetsPart):
    context: MockContext

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        where = () if network_id is None else (MockSubnet.network_id == network_id,)
        return SUBNETS.list(self.context, caller, *where)

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        return SUBNETS.get(self.context, caller, subnet_id)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        with self.context.write() as s:
            net = NETWORKS.row(s, caller, request.network_id, modify=True)
            network_rules.check_new_subnet(request.address_block, net, SUBNETS.of(s, net.id))
            row = MockSubnet(
                id=new_id(),
                name=request.name,
                owner_id=net.owner_id,
                network_id=net.id,
                address_block=request.address_block,
            )
            return SUBNETS.add(s, row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        return SUBNETS.rename(self.context, caller, subnet_id, request.name)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        def check(s: Session, row: MockSubnet) -> None:
            bound = (
                s.scalar(select(func.count()).select_from(MockBinding).where(MockBinding.subnet_id == row.id))
                or 0
            )
            if bound:
                raise Conflict(f"subnet {row.id} is in use by {bound} instance(s)", subnet=row.id)

        SUBNETS.delete(self.context, caller, subnet_id, check)


class Addresses(AddressesPart):
    context: MockContext

    def list_addresses(self, caller: Caller) -> list[Address]:
        return ADDRESSES.list(self.context, caller)

    def get_address(self, caller: Caller, address_id: str) -> Address:
        return ADDRESSES.get(self.context, caller, address_id)

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
            return ADDRESSES.add(s, row)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        def check(s: Session, row: MockAddress) -> None:
            if row.instance_id is not None:
                raise Conflict(
                    f"address {row.ip_address} is associated with instance {row.instance_id}; "
                    "disassociate it first",
                    address=row.id,
                )

        ADDRESSES.delete(self.context, caller, address_id, check)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        with self.context.write() as s:
            row = ADDRESSES.row(s, caller, address_id, modify=True)
            inst, _ = self.context.instance_state(s, caller, instance_id)
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
            row = ADDRESSES.row(s, caller, address_id, modify=True)
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


ADDRESSES = OwnedCollection(MockAddress, "address", address_model)
