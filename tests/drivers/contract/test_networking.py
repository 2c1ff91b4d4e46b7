"""Networks and subnets CRUD with address validation, instance bindings, public addresses."""

from __future__ import annotations

import ipaddress

import pytest

from hearth.drivers import Operation, wait_for_state
from hearth.drivers.resources import (
    AddressCreate,
    NetworkCreate,
    NetworkRequest,
    NetworkUpdate,
    SubnetCreate,
    SubnetUpdate,
    parse_request,
)
from hearth.errors import Conflict, NotFound, ValidationError
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, boot, serves, stopped


@pytest.mark.parametrize("block", ["10.0.0.300/24", "10.0.0.1/24", "not-a-cidr", "10.0.0.0", "10.0.0.0/33"])
def test_bad_cidr_is_a_validation_error(block: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(NetworkCreate, {"name": "n", "address_blocks": [block]})
    assert "address_blocks" in err.value.message
    with pytest.raises(ValidationError):
        parse_request(SubnetCreate, {"network_id": "n", "name": "s", "address_block": block})


def test_overlapping_network_blocks_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(NetworkCreate, {"name": "n", "address_blocks": ["10.0.0.0/16", "10.0.5.0/24"]})
    assert "overlap" in err.value.message


def test_network_and_subnet_crud(case: DriverCase) -> None:
    """Networks with an IPv4 and an IPv6 block, grown in place; on a cloud with VPC rules
    (EC2) those very requests are refused with a 400 naming the rule, and a network grows by a
    second block instead."""
    d, alice = case.driver, case.alice
    req = NetworkCreate(name="lab", address_blocks=["10.20.0.0/16", "fd00:20::/48"])
    if not serves(d, Operation.networks_create, lambda: d.create_network(alice, req)):
        return
    cloud = case.cloud_network_rules
    if cloud:
        with pytest.raises(ValidationError, match="IPv6"):
            d.create_network(alice, req)
        req = NetworkCreate(name="lab", address_blocks=["10.20.0.0/16"])
    net = d.create_network(alice, req)
    assert net.address_blocks == req.address_blocks and net.owner_id == alice.user_id
    assert d.get_network(alice, net.id) == net
    assert net.id in {n.id for n in d.list_networks(alice)}

    sub = d.create_subnet(alice, SubnetCreate(network_id=net.id, name="lab-a", address_block="10.20.1.0/24"))
    assert sub.network == net.id and sub.address_block == "10.20.1.0/24"
    subnets = {sub.id}
    if not cloud:
        v6 = d.create_subnet(
            alice, SubnetCreate(network_id=net.id, name="lab-6", address_block="fd00:20:0:1::/64")
        )
        assert v6.address_block == "fd00:20:0:1::/64"
        subnets.add(v6.id)
    with pytest.raises(ValidationError) as err:
        d.create_subnet(alice, SubnetCreate(network_id=net.id, name="out", address_block="192.168.0.0/24"))
    assert "outside" in err.value.message
    with pytest.raises(Conflict):
        d.create_subnet(alice, SubnetCreate(network_id=net.id, name="dup", address_block="10.20.1.128/25"))
    with pytest.raises(NotFound):
        d.create_subnet(alice, SubnetCreate(network_id="no-such-net", name="x", address_block="10.0.0.0/24"))
    assert {s.id for s in d.list_subnets(alice, net.id)} == subnets

    renamed = d.update_subnet(alice, sub.id, SubnetUpdate(name="lab-alpha"))
    assert renamed.name == "lab-alpha" and d.get_subnet(alice, sub.id).name == "lab-alpha"
    bigger = ["10.20.0.0/16", "10.21.0.0/16"] if cloud else ["10.20.0.0/15", "fd00:20::/48"]
    if cloud:
        with pytest.raises(ValidationError):  # a VPC's first block never changes
            d.update_network(alice, net.id, NetworkUpdate(address_blocks=["10.20.0.0/15"]))
    grown = d.update_network(alice, net.id, NetworkUpdate(name="lab2", address_blocks=bigger))
    assert grown.name == "lab2" and grown.address_blocks == bigger
    with pytest.raises(ValidationError):  # would strand subnet 10.20.1.0/24
        d.update_network(alice, net.id, NetworkUpdate(address_blocks=["172.16.0.0/12"]))
    assert d.get_network(alice, net.id).address_blocks == grown.address_blocks

    with pytest.raises(Conflict):
        d.delete_network(alice, net.id)  # still has subnets
    for subnet_id in subnets:
        d.delete_subnet(alice, subnet_id)
    with pytest.raises(NotFound):
        d.get_subnet(alice, sub.id)
    d.delete_network(alice, net.id)
    with pytest.raises(NotFound):
        d.get_network(alice, net.id)


def test_instances_carry_network_bindings(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not d.capabilities().supports(Operation.subnets_create):
        return
    net = d.create_network(alice, NetworkCreate(name="app", address_blocks=["10.30.0.0/16"]))
    sub = d.create_subnet(alice, SubnetCreate(network_id=net.id, name="app-a", address_block="10.30.5.0/28"))
    a = boot(case, networks=[{"network_id": net.id}])
    assert len(a.network_bindings) == 1
    bind = a.network_bindings[0]
    assert bind.network == net.id and bind.subnet == sub.id
    assert ipaddress.ip_address(bind.ip_address) in ipaddress.ip_network(sub.address_block)
    assert a.private_addresses == [bind.ip_address]
    b = boot(case, networks=[{"network_id": net.id, "subnet_id": sub.id, "ip_address": "10.30.5.6"}])
    assert b.network_bindings[0].ip_address == "10.30.5.6"
    with pytest.raises(Conflict):  # the address is taken
        boot(case, networks=[{"network_id": net.id, "ip_address": "10.30.5.6"}])
    with pytest.raises(ValidationError):  # outside the subnet
        boot(case, networks=[{"network_id": net.id, "ip_address": "10.30.9.9"}])
    with pytest.raises(Conflict):
        d.delete_subnet(alice, sub.id)  # in use
    with pytest.raises(NotFound):  # Bob cannot put a guest on Alice's network
        boot(case, case.bob, networks=[{"network_id": net.id}])
    for inst in (a, b):
        d.stop_instance(alice, inst.id, force=True)
    for inst in (a, b):
        wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, inst.id)
    d.delete_subnet(alice, sub.id)
    assert NetworkRequest(network_id="n").subnet_id is None


def test_public_addresses(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.addresses_create, lambda: d.create_address(alice, AddressCreate())):
        return
    addr = d.create_address(alice, AddressCreate(name="front"))
    ipaddress.ip_address(addr.ip_address)
    assert addr.instance is None and addr.id in {a.id for a in d.list_addresses(alice)}
    other = d.create_address(alice, AddressCreate())
    assert other.ip_address != addr.ip_address
    inst = boot(case)
    linked = d.associate_address(alice, addr.id, inst.id)
    assert linked.instance == inst.id
    assert d.get_instance(alice, inst.id).public_addresses == [addr.ip_address]
    with pytest.raises(Conflict):
        d.associate_address(alice, addr.id, inst.id)
    with pytest.raises(Conflict):
        d.delete_address(alice, addr.id)
    with pytest.raises(NotFound):
        d.associate_address(case.bob, addr.id, inst.id)
    d.disassociate_address(alice, addr.id)
    assert d.get_instance(alice, inst.id).public_addresses == []
    d.delete_address(alice, addr.id)
    with pytest.raises(NotFound):
        d.get_address(alice, addr.id)
    off = stopped(case)
    d.associate_address(alice, other.id, off.id)
    d.destroy_instance(alice, off.id)  # the address outlives the guest
    assert d.get_address(alice, other.id).instance is None
