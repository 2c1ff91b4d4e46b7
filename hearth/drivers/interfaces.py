"""Rules for instance NICs that every driver applies, so all backends accept and refuse the same.

A NIC is changed on the running guest and in its persistent definition while the instance is
RUNNING, in the definition alone while it is STOPPED; in a transitional or paused state the
change is refused rather than half-applied.
"""

from __future__ import annotations

import secrets

from hearth.designer.designer import NicKind
from hearth.domain import Interface
from hearth.errors import Conflict, InvalidState, NotFound, ValidationError

from .resources import (
    InstanceState,
    InterfaceType,
    InterfaceUpdate,
    MacvtapMode,
    NetworkInterface,
    NicModel,
    check_mac,
)

CHANGEABLE = frozenset({InstanceState.RUNNING, InstanceState.STOPPED})


def parse_mac(mac: str) -> str:
    """A MAC from a URL or request, canonical (lower case), or ValidationError naming it."""
    try:
        return check_mac(mac)
    except ValueError as exc:
        raise ValidationError(str(exc), mac=mac) from None


def check_changeable(instance_id: str, state: InstanceState) -> None:
    if state not in CHANGEABLE:
        raise InvalidState(
            f"cannot change the interfaces of instance {instance_id} while it is {state.value}; "
            "it must be RUNNING or STOPPED",
            instance=instance_id,
            state=state.value,
        )


def check_update(instance_id: str, state: InstanceState, nic: NetworkInterface, req: InterfaceUpdate) -> None:
    """Refuse what cannot be done to this NIC in this state (before anything is touched)."""
    check_changeable(instance_id, state)
    if req.source is not None and nic.type is InterfaceType.user:
        raise ValidationError(f"interface {nic.mac} is a user interface and takes no source", mac=nic.mac)
    if req.model is not None and req.model is not nic.model and state is InstanceState.RUNNING:
        raise InvalidState(
            f"the model of interface {nic.mac} can only change while instance {instance_id} is STOPPED",
            instance=instance_id,
            state=state.value,
        )


def not_found(instance_id: str, mac: str) -> NotFound:
    return NotFound(
        f"instance {instance_id} has no interface {mac}", kind="interface", instance=instance_id, mac=mac
    )


def duplicate(instance_id: str, mac: str) -> Conflict:
    return Conflict(f"instance {instance_id} already has an interface {mac}", instance=instance_id, mac=mac)


def random_mac(taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A random MAC in QEMU's locally administered 52:54:00 range, not among ``taken``."""
    while True:
        mac = "52:54:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
        if mac not in taken:
            return mac


# The designer's name for each kind of NIC.
DESIGNER_KIND: dict[InterfaceType, NicKind] = {
    InterfaceType.network: "network",
    InterfaceType.bridge: "bridge",
    InterfaceType.ovs: "ovs",
    InterfaceType.macvtap: "macvtap",
    InterfaceType.user: "user",
}


def nic_kind(iface: Interface) -> InterfaceType:
    """The contract's kind of a domain ``<interface>`` (an OVS bridge is a bridge with an
    openvswitch virtualport, a macvtap is ``direct``)."""
    if iface.type == "network":
        return InterfaceType.network
    if iface.type == "bridge":
        return InterfaceType.ovs if iface.virtualport_type == "openvswitch" else InterfaceType.bridge
    if iface.type == "direct":
        return InterfaceType.macvtap
    return InterfaceType.user


def nic_source(iface: Interface) -> str | None:
    """The network, bridge or host device an ``<interface>`` is on (None for user mode)."""
    return {"network": iface.source_network, "bridge": iface.source_bridge, "direct": iface.source_dev}.get(
        iface.type or ""
    )


def interface_xml(
    kind: InterfaceType, source: str | None, mac: str, model: NicModel, mode: MacvtapMode | None = None
) -> Interface:
    """The ``<interface>`` of a NIC of ``kind`` on ``source`` (the designer's form, for NICs
    added after the design)."""
    iface = Interface()
    if kind is InterfaceType.network:
        iface.type = "network"
        iface.source_network = source
    elif kind in (InterfaceType.bridge, InterfaceType.ovs):
        iface.type = "bridge"
        iface.source_bridge = source
        if kind is InterfaceType.ovs:
            iface.virtualport_type = "openvswitch"
    elif kind is InterfaceType.macvtap:
        iface.type = "direct"
        iface.source_dev = source
        iface.source_mode = (mode or MacvtapMode.bridge).value
    else:
        iface.type = "user"
    iface.mac = mac
    iface.model = model.value
    return iface
