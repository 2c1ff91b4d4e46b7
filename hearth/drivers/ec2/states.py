"""EC2 instance states onto Hearth's state machine.

pending → PENDING, running → RUNNING, stopping → STOPPING, stopped → STOPPED. ``shutting-down``
is a terminate in progress: STOPPING, with the reason. Hearth deletes its record when it
terminates an instance, so an instance still recorded but ``terminated`` was ended outside
Hearth: ERROR with that reason, from which destroy removes the record. EC2 has no PAUSED.
"""

from __future__ import annotations

from typing import Any

from hearth.vocab.instance_states import InstanceState

S = InstanceState
STATES: dict[str, InstanceState] = {
    "pending": S.PENDING,
    "running": S.RUNNING,
    "stopping": S.STOPPING,
    "stopped": S.STOPPED,
    "shutting-down": S.STOPPING,
    "terminated": S.ERROR,
}
REASONS = {
    "shutting-down": "terminating",
    "terminated": "terminated outside Hearth",
}


def map_state(item: dict[str, Any]) -> tuple[InstanceState, str | None]:
    """The Hearth state of a DescribeInstances item and why it is in it (None: nothing to say)."""
    name = str((item.get("State") or {}).get("Name", ""))
    state = STATES.get(name)
    if state is None:
        return S.ERROR, f"EC2 reports the unknown state {name!r}"
    reason = REASONS.get(name)
    if reason is None and state is S.STOPPED:
        message = (item.get("StateReason") or {}).get("Message")
        reason = str(message) if message else None
    return state, reason
