"""hearth.host.interfaces against the real /sys of this machine, with devices the tests create."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hearth.errors import NotFound, ValidationError
from hearth.host import InterfaceKind, OperState, get_interface, list_interfaces

from . import netdevs


def _sys(name: str, attr: str) -> str:
    return Path("/sys/class/net", name, attr).read_text().strip()


def test_a_veth_pair_is_listed_with_its_facts(veth: tuple[str, str]) -> None:
    a, b = veth
    found = {i.name: i for i in list_interfaces()}
    assert {a, b} <= set(found)
    for name in (a, b):
        iface = found[name]
        assert iface.kind is InterfaceKind.veth
        assert iface.mac == _sys(name, "address")
        assert iface.mtu == int(_sys(name, "mtu"))
        assert iface.operstate is OperState.down
        assert iface.master is None and not iface.in_use and iface.used_by == []


def _settles_at(name: str, state: OperState, within: float = 10.0) -> OperState:
    """The kernel updates operstate from a worker after ``ip link`` returns: poll for it."""
    deadline = time.monotonic() + within
    while (seen := get_interface(name).operstate) is not state and time.monotonic() < deadline:
        time.sleep(0.02)
    return seen


def test_operstate_follows_the_link(veth: tuple[str, str]) -> None:
    a, b = veth
    netdevs.run("ip", "link", "set", a, "up")
    assert _settles_at(a, OperState.lowerlayerdown) is OperState.lowerlayerdown  # its peer is still down
    netdevs.run("ip", "link", "set", b, "up")
    assert _settles_at(a, OperState.up) is OperState.up
    netdevs.run("ip", "link", "set", "dev", a, "mtu", "1400")
    assert get_interface(a).mtu == 1400


def test_a_macvtap_marks_its_lower_device_in_use(veth: tuple[str, str]) -> None:
    a, _ = veth
    with netdevs.macvtap_on(a) as mvt:
        lower, tap = get_interface(a), get_interface(mvt)
        assert tap.kind is InterfaceKind.macvtap and tap.lower == [a]
        assert lower.in_use and lower.used_by == [mvt]
    assert not get_interface(a).in_use


def test_bridge_ports_and_masters(veth: tuple[str, str]) -> None:
    a, b = veth
    with netdevs.linux_bridge() as br:
        assert get_interface(br).kind is InterfaceKind.bridge
        assert get_interface(br).ports == [] and not get_interface(br).in_use
        netdevs.run("ip", "link", "set", b, "master", br)
        bridge, port = get_interface(br), get_interface(b)
        assert bridge.ports == [b] and bridge.used_by == [b]
        assert port.master == br and port.in_use and port.used_by == [br]
        assert not get_interface(a).in_use


def test_tap_and_loopback_kinds() -> None:
    with netdevs.tap_device() as tap:
        assert get_interface(tap).kind is InterfaceKind.tap
    lo = get_interface("lo")
    assert lo.kind is InterfaceKind.loopback and lo.mac is None


def test_physical_devices_are_the_ones_with_a_device_link() -> None:
    for iface in list_interfaces():
        has_device = Path("/sys/class/net", iface.name, "device").exists()
        assert (iface.kind is InterfaceKind.physical) == has_device, iface


def test_unknown_and_malformed_names() -> None:
    with pytest.raises(NotFound) as err:
        get_interface("hthnosuchdev0")
    assert "hthnosuchdev0" in err.value.message
    for bad in ("", "../etc", "a" * 16, "eth0:1", "a b"):
        with pytest.raises(ValidationError):
            get_interface(bad)


def test_devices_that_disappear_are_gone_from_the_listing() -> None:
    with netdevs.veth_pair() as (a, b):
        assert a in {i.name for i in list_interfaces()}
    names = {i.name for i in list_interfaces()}
    assert a not in names and b not in names
