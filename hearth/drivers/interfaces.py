"""Rules for instance NICs that every driver applies, so all backends accept and refuse the same.

A NIC is changed on the running guest and in its persistent definition while the instance is
RUNNING, in the definition alone while it is STOPPED; in a transitional or paused state the
change is refused rather than half-applied.
"""

from __future__ import annotations

import secrets

from hearth.errors import Conflict, InvalidState, NotFound, ValidationError

from .resources import InstanceState, InterfaceType, InterfaceUpdate, NetworkInterface, check_mac

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
