"""Whether a host device can carry a guest NIC: one rule for templates, creates and live NIC adds.

A NIC on a bridge, an Open vSwitch bridge or a macvtap names a device of the host; when that
device is missing or of the wrong kind, libvirt fails late with its own words ("Cannot get
interface MTU on 'br9'"). Checking the host's facts first gives a 400 naming the device instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hearth.errors import HearthError
from hearth.vocab.nic_kinds import InterfaceType

from .facts import HostFacts, LocalHost
from .interfaces import HostInterface, InterfaceKind

# Host devices a macvtap cannot sit on.
NOT_MACVTAP_LOWER = frozenset(
    {InterfaceKind.loopback, InterfaceKind.macvtap, InterfaceKind.tap, InterfaceKind.tun}
)


def nic_source_problem(
    kind: InterfaceType,
    source: str,
    interfaces: Mapping[str, HostInterface],
    ovs_bridges: Callable[[], tuple[set[str], str | None]],
) -> str | None:
    """Why a NIC of ``kind`` (one of ``HOST_DEVICE_KINDS``) cannot use host device
    ``source``, or None. ``ovs_bridges()`` gives the OVS bridge names, or the reason they cannot
    be read."""
    if kind == InterfaceType.ovs:
        bridges, error = ovs_bridges()
        if error is not None:
            return f"OVS bridge {source!r} cannot be checked: {error}"
        return None if source in bridges else f"OVS bridge {source!r} does not exist"
    dev = interfaces.get(source)
    if kind == InterfaceType.bridge:
        if dev is None:
            return f"Linux bridge {source!r} does not exist"
        if dev.kind is not InterfaceKind.bridge:
            return f"host interface {source!r} is a {dev.kind.value} device, not a Linux bridge"
        return None
    if dev is None:
        return f"host interface {source!r} does not exist"
    if dev.kind in NOT_MACVTAP_LOWER:
        return f"host interface {source!r} is a {dev.kind.value} device and cannot carry a macvtap"
    return None


def ovs_bridge_names(host: HostFacts) -> tuple[set[str], str | None]:
    """The host's OVS bridge names, or why they cannot be read (OVS missing or not running)."""
    try:
        return {b.name for b in host.ovs_bridges()}, None
    except HearthError as exc:
        return set(), exc.message


def local_nic_source_problem(kind: InterfaceType, source: str) -> str | None:
    """``nic_source_problem`` against this host's own devices and OVS bridges, read now."""
    host = LocalHost()
    interfaces = {i.name: i for i in host.interfaces()}
    return nic_source_problem(kind, source, interfaces, lambda: ovs_bridge_names(host))
