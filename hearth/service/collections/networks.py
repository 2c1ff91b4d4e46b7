"""Networks (address blocks), their subnets, and public addresses."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import (
    Address,
    AddressCreate,
    Network,
    NetworkCreate,
    NetworkUpdate,
    Subnet,
    SubnetCreate,
    SubnetUpdate,
)

from ..names import named
from ..tags import TagKind
from .base import DriverCollection, TaggedCollection


class Networks(TaggedCollection):
    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Network]:
        self._gate.require(Operation.networks_list)
        return named(self._driver.list_networks(caller), name)

    def get(self, caller: Caller, network_id: str) -> Network:
        self._gate.require(Operation.networks_get)
        return self._driver.get_network(caller, network_id)

    def create(self, caller: Caller, request: NetworkCreate) -> Network:
        self._gate.require(Operation.networks_create)
        return self._driver.create_network(caller, request)

    def update(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        """Rename or change the blocks; blocks that would strand a subnet are refused (409)."""
        self._gate.require(Operation.networks_update)
        return self._driver.update_network(caller, network_id, request)

    def delete(self, caller: Caller, network_id: str) -> None:
        self._gate.require(Operation.networks_delete)
        self._driver.delete_network(caller, network_id)
        self._tags.drop(TagKind.network, network_id)


class Subnets(TaggedCollection):
    def list(
        self, caller: Caller, network_id: str | None = None, *, name: str | None = None
    ) -> builtins.list[Subnet]:
        """Every subnet the caller may see, or only those of ``network_id`` (and named ``name``)."""
        self._gate.require(Operation.subnets_list)
        return named(self._driver.list_subnets(caller, network_id), name)

    def get(self, caller: Caller, subnet_id: str) -> Subnet:
        self._gate.require(Operation.subnets_get)
        return self._driver.get_subnet(caller, subnet_id)

    def create(self, caller: Caller, request: SubnetCreate) -> Subnet:
        self._gate.require(Operation.subnets_create)
        return self._driver.create_subnet(caller, request)

    def update(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        self._gate.require(Operation.subnets_update)
        return self._driver.update_subnet(caller, subnet_id, request)

    def delete(self, caller: Caller, subnet_id: str) -> None:
        self._gate.require(Operation.subnets_delete)
        self._driver.delete_subnet(caller, subnet_id)
        self._tags.drop(TagKind.subnet, subnet_id)


class Addresses(DriverCollection):
    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Address]:
        self._gate.require(Operation.addresses_list)
        return named(self._driver.list_addresses(caller), name)

    def get(self, caller: Caller, address_id: str) -> Address:
        self._gate.require(Operation.addresses_get)
        return self._driver.get_address(caller, address_id)

    def create(self, caller: Caller, request: AddressCreate) -> Address:
        """Allocate a public address to the caller."""
        self._gate.require(Operation.addresses_create)
        return self._driver.create_address(caller, request)

    def delete(self, caller: Caller, address_id: str) -> None:
        """Release it; refused (409) while it is associated."""
        self._gate.require(Operation.addresses_delete)
        self._driver.delete_address(caller, address_id)

    def associate(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        self._gate.require(Operation.addresses_associate)
        return self._driver.associate_address(caller, address_id, instance_id)

    def disassociate(self, caller: Caller, address_id: str) -> Address:
        self._gate.require(Operation.addresses_disassociate)
        return self._driver.disassociate_address(caller, address_id)
