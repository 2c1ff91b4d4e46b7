"""Rules for instance NICs that every driver applies, so all backends accept and refuse the same.

A NIC is changed on the running guest and in its persistent definition while the instance is
RUNNING, in the definition alone while it is STOPPED; in a transitional or paused state the
change is refused rather than half-applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hearth import designer
from hearth.errors import Conflict, InvalidState, NotFound, ValidationError
from hearth.vocab import instance_states
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.macvtap_modes import DEFAULT_MACVTAP_MODE, MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType, kind_of
from hearth.vocab.nic_models import NicModel

from .resources import InterfaceUpdate, NetworkInterface

if TYPE_CHECKING:  # the XML model is loaded by the calls that make it (``designer``)
    from hearth.domain import Interface


def check_changeable(instance_id: str, state: InstanceState) -> None:
    instance_states.check_changeable(instance_id, state, "interfaces")


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


def nic_kind(iface: Interface) -> InterfaceType:
    """The contract's kind of a domain ``<interface>`` (an OVS bridge is a bridge with an
    openvswitch virtualport, a macvtap is ``direct``)."""
    return kind_of(iface.type, iface.virtualport_type)


def nic_source(iface: Interface) -> str | None:
    """The network, bridge or host device an ``<interface>`` is on (None for user mode)."""
    return {"network": iface.source_network, "bridge": iface.source_bridge, "direct": iface.source_dev}.get(
        iface.type or ""
    )


def interface_xml(
    kind: InterfaceType, source: str | None, mac: str, model: NicModel, mode: MacvtapMode | None = None
) -> Interface:
    """The ``<interface>`` of a NIC of ``kind`` on ``source`` (the designer's form, for NICs
    added after the design); a macvtap gets the default mode unless one is given."""
    macvtap = (mode or DEFAULT_MACVTAP_MODE) if kind is InterfaceType.macvtap else None
    return designer.interface_xml(kind, source, mac, model, macvtap)
