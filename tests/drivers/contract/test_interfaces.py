"""Instance network interfaces: add, show, change and remove NICs, live and persistent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from hearth.drivers import Caller, Driver, Operation, wait_for_state
from hearth.drivers.resources import (
    Instance,
    InterfaceCreate,
    InterfaceUpdate,
    NetworkCreate,
    NetworkInterface,
    SubnetCreate,
    parse_request,
)
from hearth.errors import Conflict, InvalidState, NotFound, NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel
from hearth.vocab.nic_states import NicState

from ...host import netdevs
from .helpers import DriverCase, boot, stopped

MAC = "52:54:00:5e:00:01"


def _removed(d: Driver, who: Caller, instance_id: str, mac: str) -> set[str]:
    """Delete the NIC; what is listed is what runs: gone at once, or (a running guest that has
    yet to release it) answered and listed ``detaching``, never missing while attached. Returns
    the MACs listed as attached then."""
    left = d.delete_interface(who, instance_id, mac)
    listed = {n.mac: n for n in d.list_interfaces(who, instance_id)}
    if left is None:
        assert mac not in listed
    else:
        assert (left.mac, left.state) == (mac, NicState.detaching)
        assert mac not in listed or listed[mac].state in (NicState.detaching, NicState.error)
    return {m for m, n in listed.items() if n.state is NicState.attached}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "network", "source": "default", "mac": "52:54:00:5e:00"}, "mac"),
        ({"type": "network", "source": "default", "mac": "53:54:00:5e:00:01"}, "multicast"),
        ({"type": "network", "source": "default", "mac": "52-54-00-5e-00-01"}, "mac"),
        ({"type": "network", "source": "default", "mode": "vepa"}, "macvtap"),
        ({"type": "bridge"}, "source"),
        ({"type": "macvtap"}, "host interface"),
        ({"type": "user", "source": "br0"}, "no source"),
        ({"type": "networkX", "source": "default"}, "type"),
        ({"type": "network", "source": "default", "model": "ne2k"}, "model"),
        ({"type": "network", "source": "bad name/../x"}, "source"),
        ({"type": "network", "source": "default", "colour": "red"}, "colour"),
    ],
)
def test_bad_interface_requests_are_validation_errors(payload: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(InterfaceCreate, payload)
    assert field in err.value.message


def test_interface_request_defaults() -> None:
    tap = parse_request(InterfaceCreate, {"type": "macvtap", "source": "eth0", "mac": "52:54:00:AB:CD:EF"})
    assert tap.effective_mode is MacvtapMode.bridge and tap.mac == "52:54:00:ab:cd:ef"
    assert parse_request(InterfaceCreate, {"type": "user"}).effective_mode is None
    with pytest.raises(ValidationError) as err:
        parse_request(InterfaceUpdate, {})
    assert "source or model" in err.value.message


def _consistent(driver: Driver, inst: Instance, nics: list[NetworkInterface]) -> None:
    """Every address binding sits on a NIC on that network, and every learned NIC address is bound."""
    on_network = [n for n in nics if n.type is InterfaceType.network]
    for b in inst.network_bindings:
        assert any(n.source == b.network and b.ip_address in n.ips for n in on_network), b
    bound = {(b.network, b.ip_address) for b in inst.network_bindings}
    for n in on_network:
        for ip in n.ips:
            assert (n.source, ip) in bound, (n, inst.network_bindings)


def _nic(case: DriverCase, **fields: object) -> InterfaceCreate:
    """A NIC on the case's network; a user-mode NIC on a driver without networks (e.g. qemu)."""
    if case.driver.capabilities().supports(Operation.networks_list):
        assert case.nic_network is not None, "a driver serving interfaces and networks names a network"
        return InterfaceCreate.model_validate({"type": "network", "source": case.nic_network, **fields})
    return InterfaceCreate.model_validate({"type": "user", **fields})


def test_interfaces_of_a_running_instance(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    inst = boot(case)
    if not d.capabilities().supports(Operation.interfaces_create):
        with pytest.raises(NotSupported):
            d.create_interface(alice, inst.id, InterfaceCreate(type=InterfaceType.user))
        return
    before = {n.mac for n in d.list_interfaces(alice, inst.id)}
    req = _nic(case, model=NicModel.e1000, mac=MAC)
    nic = d.create_interface(alice, inst.id, req)
    assert (nic.mac, nic.type, nic.source, nic.model, nic.mode) == (
        MAC,
        req.type,
        req.source,
        NicModel.e1000,
        None,
    )
    assert nic.instance_id == inst.id
    listed = {n.mac: n for n in d.list_interfaces(alice, inst.id)}
    assert set(listed) == before | {MAC}
    assert d.get_interface(alice, inst.id, MAC.upper()).mac == MAC  # MACs compare case-insensitively
    _consistent(d, d.get_instance(alice, inst.id), list(listed.values()))

    with pytest.raises(Conflict):
        d.create_interface(alice, inst.id, req)
    with pytest.raises(InvalidState) as err:  # a running guest's NIC model is not swapped under it
        d.update_interface(alice, inst.id, MAC, InterfaceUpdate(model=NicModel.virtio))
    assert "STOPPED" in err.value.message
    with pytest.raises(ValidationError):
        d.create_interface(alice, inst.id, InterfaceCreate(type=InterfaceType.network, source="no-such-net"))
    assert {n.mac for n in d.list_interfaces(alice, inst.id)} == before | {MAC}, "refusals change nothing"
    with pytest.raises(NotFound):
        d.get_interface(alice, inst.id, "52:54:00:00:00:99")
    with pytest.raises(ValidationError):
        d.get_interface(alice, inst.id, "not-a-mac")
    with pytest.raises(NotFound):
        d.list_interfaces(alice, "no-such-instance")

    for attempt in (  # another tenant cannot see or touch the NICs
        lambda: d.list_interfaces(case.bob, inst.id),
        lambda: d.get_interface(case.bob, inst.id, MAC),
        lambda: d.delete_interface(case.bob, inst.id, MAC),
        lambda: d.create_interface(case.bob, inst.id, InterfaceCreate(type=InterfaceType.user)),
    ):
        with pytest.raises(NotFound):
            attempt()

    assert _removed(d, alice, inst.id, MAC) == before
    if MAC not in {n.mac for n in d.list_interfaces(alice, inst.id)}:  # gone: nothing to delete
        with pytest.raises(NotFound):
            d.delete_interface(alice, inst.id, MAC)
    else:  # the guest still holds it: asked again, it is still what is under way
        again = d.delete_interface(alice, inst.id, MAC)
        assert again is None or again.state in (NicState.detaching, NicState.error)
    _consistent(d, d.get_instance(alice, inst.id), d.list_interfaces(alice, inst.id))


def test_interfaces_of_a_stopped_instance_persist(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not d.capabilities().supports(Operation.interfaces_create):
        return  # refusal covered above
    inst = stopped(case)
    req = _nic(case, mac=MAC)
    nic = d.create_interface(alice, inst.id, req)
    assert nic.model is NicModel.virtio  # the default
    changed = d.update_interface(alice, inst.id, MAC, InterfaceUpdate(model=NicModel.rtl8139))
    assert changed.model is NicModel.rtl8139 and changed.source == req.source
    d.start_instance(alice, inst.id)
    running = wait_for_state(d, alice, inst.id, InstanceState.RUNNING, timeout=case.wait_timeout)
    shown = d.get_interface(alice, inst.id, MAC)
    assert (shown.model, shown.source, shown.type) == (NicModel.rtl8139, req.source, req.type)
    _consistent(d, running, d.list_interfaces(alice, inst.id))
    d.stop_instance(alice, inst.id, force=True)
    wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
    d.delete_interface(alice, inst.id, MAC)
    assert MAC not in {n.mac for n in d.list_interfaces(alice, inst.id)}
    d.destroy_instance(alice, inst.id)
    with pytest.raises(NotFound):
        d.list_interfaces(alice, inst.id)


def test_addresses_requested_at_create_arrive_on_a_nic(case: DriverCase) -> None:
    """``InstanceCreate.networks`` and the NIC list tell the same story."""
    d, alice = case.driver, case.alice
    caps = d.capabilities()
    if not (caps.supports(Operation.interfaces_list) and caps.supports(Operation.subnets_create)):
        return
    net = d.create_network(alice, NetworkCreate(name="nicnet", address_blocks=["10.31.0.0/16"]))
    sub = d.create_subnet(
        alice, SubnetCreate(network_id=net.id, name="nicnet-a", address_block="10.31.0.0/24")
    )
    inst = boot(case, networks=[{"network_id": net.id, "ip_address": "10.31.0.9"}])
    nics = d.list_interfaces(alice, inst.id)
    assert [b.ip_address for b in inst.network_bindings] == ["10.31.0.9"]
    _consistent(d, inst, nics)
    nic = next(n for n in nics if n.source == net.id)
    if caps.supports(Operation.interfaces_delete):
        d.delete_interface(alice, inst.id, nic.mac)  # gives the address back
        assert d.get_instance(alice, inst.id).network_bindings == []
        d.stop_instance(alice, inst.id, force=True)
        wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, inst.id)
        d.delete_subnet(alice, sub.id)  # no longer in use


@contextmanager
def _host_device(kind: InterfaceType) -> Iterator[str]:
    """A real host device a NIC of ``kind`` can sit on, unique to the run and removed after."""
    if kind is InterfaceType.bridge:
        with netdevs.linux_bridge() as name:
            yield name
    elif kind is InterfaceType.ovs:
        with netdevs.ovs_bridge() as name:
            yield name
    else:
        with netdevs.veth_pair() as (name, _):
            netdevs.run("ip", "link", "set", name, "up")
            yield name


@pytest.mark.parametrize("kind", [InterfaceType.bridge, InterfaceType.ovs, InterfaceType.macvtap])
def test_bridge_ovs_and_macvtap_nics_come_and_go_live_and_persist(
    case: DriverCase, kind: InterfaceType
) -> None:
    d, alice = case.driver, case.alice
    if not d.capabilities().supports(Operation.interfaces_create):
        return  # refusal covered above
    mode = MacvtapMode.vepa if kind is InterfaceType.macvtap else None
    with _host_device(kind) as source:
        inst = boot(case)
        before = {n.mac for n in d.list_interfaces(alice, inst.id)}
        nic = d.create_interface(
            alice, inst.id, InterfaceCreate(type=kind, source=source, mode=mode, mac=MAC)
        )
        assert (nic.mac, nic.type, nic.source, nic.mode, nic.model) == (
            MAC,
            kind,
            source,
            mode,
            NicModel.virtio,
        )
        assert d.get_interface(alice, inst.id, MAC) == nic
        assert {n.mac for n in d.list_interfaces(alice, inst.id)} == before | {MAC}
        assert _removed(d, alice, inst.id, MAC) == before

        d.stop_instance(alice, inst.id, force=True)
        wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.create_interface(alice, inst.id, InterfaceCreate(type=kind, source=source, mode=mode, mac=MAC))
        d.start_instance(alice, inst.id)
        wait_for_state(d, alice, inst.id, InstanceState.RUNNING, timeout=case.wait_timeout)
        shown = d.get_interface(alice, inst.id, MAC)
        assert (shown.type, shown.source, shown.mode) == (kind, source, mode), "kept across a restart"
        d.stop_instance(alice, inst.id, force=True)
        wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, inst.id)
