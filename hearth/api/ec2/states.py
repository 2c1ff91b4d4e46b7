"""EC2's instance states (name and code) for Hearth's, and what EC2 clients read from them.

EC2 has no paused or error state: a PAUSED guest holds its resources but does not run, so it is
``stopped`` (StartInstances resumes it) with a state reason saying so; an ERROR instance is
``stopped`` with the backend's reason. ``shutting-down`` and ``terminated`` are the frontend's
own: TerminateInstances passes through the first, and the second is what a destroyed instance
shows while it stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from hearth.vocab.instance_states import InstanceState


@dataclass(frozen=True)
class Ec2StateValue:
    code: int
    name: str


class Ec2State(Enum):
    """The six states of EC2's ``InstanceStateName`` with their codes."""

    pending = Ec2StateValue(0, "pending")
    running = Ec2StateValue(16, "running")
    shutting_down = Ec2StateValue(32, "shutting-down")
    terminated = Ec2StateValue(48, "terminated")
    stopping = Ec2StateValue(64, "stopping")
    stopped = Ec2StateValue(80, "stopped")

    @property
    def code(self) -> int:
        return self.value.code

    @property
    def ec2_name(self) -> str:
        return self.value.name


BY_NAME: Final = {s.ec2_name: s for s in Ec2State}

FROM_HEARTH: Final = {
    InstanceState.PENDING: Ec2State.pending,
    InstanceState.RUNNING: Ec2State.running,
    InstanceState.STOPPING: Ec2State.stopping,
    InstanceState.STOPPED: Ec2State.stopped,
    InstanceState.PAUSED: Ec2State.stopped,
    InstanceState.FINISHED: Ec2State.terminated,
    InstanceState.ERROR: Ec2State.stopped,
}


def ec2_state(state: InstanceState) -> Ec2State:
    return FROM_HEARTH[state]


def state_element(state: Ec2State) -> dict[str, int | str]:
    """The ``instanceState`` / ``currentState`` / ``previousState`` element."""
    return {"code": state.code, "name": state.ec2_name}


def state_reason(state: InstanceState, reason: str | None) -> dict[str, str] | None:
    """``stateReason`` for the Hearth states EC2 has no name of its own for (paused, error)."""
    if state is InstanceState.PAUSED:
        return {"code": "Client.UserInitiatedHibernate", "message": "Client.UserInitiatedHibernate: paused"}
    if state is InstanceState.ERROR:
        why = reason or "the backend failed"
        return {"code": "Server.InternalError", "message": f"Server.InternalError: {why}"}
    return None
