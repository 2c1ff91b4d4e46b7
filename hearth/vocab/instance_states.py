"""The states an instance is in, and the ones in which its devices (NICs, media) may change.

Here rather than in the driver contract because the media primitives below the drivers apply
the same rule as the drivers' NIC operations.
"""

from __future__ import annotations

from enum import StrEnum

from hearth.errors import InvalidState


class InstanceState(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    PAUSED = "PAUSED"
    FINISHED = "FINISHED"
    ERROR = "ERROR"


# RUNNING: on the guest and in its persistent definition; STOPPED: in the definition alone. In a
# transitional or paused state a change is refused rather than half-applied.
CHANGEABLE = frozenset({InstanceState.RUNNING, InstanceState.STOPPED})


def check_changeable(instance_id: str, state: InstanceState, what: str) -> None:
    """Refuse changing ``what`` ("interfaces", "media") of an instance in a state outside CHANGEABLE."""
    if state not in CHANGEABLE:
        raise InvalidState(
            f"cannot change the {what} of instance {instance_id} while it is {state.value}; "
            "it must be RUNNING or STOPPED",
            instance=instance_id,
            state=state.value,
        )
