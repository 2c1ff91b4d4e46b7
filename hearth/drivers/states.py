"""The instance state machine, shared by every driver so all backends refuse the same things.

DESIGN: PENDING → RUNNING; RUNNING → STOPPING → STOPPED; STOPPED → RUNNING (start);
RUNNING → RUNNING (reboot); RUNNING ⇄ PAUSED; STOPPED → FINISHED (destroy); any → ERROR.
An instance in ERROR may still be destroyed, otherwise a crashed guest could never be removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hearth.errors import InvalidState
from hearth.vocab.instance_states import InstanceState

from .resources import Action

S = InstanceState


@dataclass(frozen=True)
class Transition:
    """``via`` is the transitional state shown while the backend works (None: immediate)."""

    action: Action
    sources: frozenset[InstanceState]
    via: InstanceState | None
    target: InstanceState


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.start, frozenset({S.STOPPED}), None, S.RUNNING),
        Transition(Action.stop, frozenset({S.RUNNING}), S.STOPPING, S.STOPPED),
        Transition(Action.reboot, frozenset({S.RUNNING}), None, S.RUNNING),
        Transition(Action.suspend, frozenset({S.RUNNING}), None, S.PAUSED),
        Transition(Action.resume, frozenset({S.PAUSED}), None, S.RUNNING),
        Transition(Action.destroy, frozenset({S.STOPPED, S.ERROR}), None, S.FINISHED),
    )
}

# The state a new instance is created in and the one it settles into.
INITIAL_STATE = S.PENDING
BOOTED_STATE = S.RUNNING

_ORDER = list(Action)


def allowed_actions(state: InstanceState, supported: Iterable[Action] | None = None) -> list[Action]:
    """Actions allowed in ``state``, limited to those the driver implements, in a stable order."""
    keep = set(_ORDER if supported is None else supported)
    return [a for a in _ORDER if a in keep and state in TRANSITIONS[a].sources]


def check_action(
    instance_id: str, state: InstanceState, action: Action, supported: Iterable[Action] | None = None
) -> Transition:
    """Return the transition for ``action`` or raise InvalidState naming the allowed actions."""
    allowed = allowed_actions(state, supported)
    if action not in allowed:
        listed = ", ".join(a.value for a in allowed) or "none"
        raise InvalidState(
            f"cannot {action.value} instance {instance_id} while it is {state.value}; allowed now: {listed}",
            instance=instance_id,
            state=state.value,
            action=action.value,
            allowed=[a.value for a in allowed],
        )
    return TRANSITIONS[action]


def check_capturable(instance_id: str, state: InstanceState) -> None:
    """An image is captured from a STOPPED instance only: a running guest's disk is changing."""
    if state is not S.STOPPED:
        raise InvalidState(
            f"instance {instance_id} must be STOPPED to capture its disk; it is {state.value}",
            instance=instance_id,
            state=state.value,
        )
