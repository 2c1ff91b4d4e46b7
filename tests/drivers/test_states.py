"""The shared state machine against DESIGN.md's transition list."""

from __future__ import annotations

import pytest

from hearth.drivers.resources import Action
from hearth.drivers.states import TRANSITIONS, allowed_actions, check_action
from hearth.errors import InvalidState
from hearth.vocab.instance_states import InstanceState

S, A = InstanceState, Action

# DESIGN: PENDING → RUNNING; RUNNING → STOPPING → STOPPED; STOPPED → RUNNING (start);
# RUNNING → RUNNING (reboot); RUNNING ⇄ PAUSED; STOPPED → FINISHED (destroy); ERROR may be destroyed.
EXPECTED = {
    S.PENDING: [],
    S.RUNNING: [A.stop, A.reboot, A.suspend],
    S.STOPPING: [],
    S.STOPPED: [A.start, A.destroy],
    S.PAUSED: [A.resume],
    S.FINISHED: [],
    S.ERROR: [A.destroy],
}


@pytest.mark.parametrize("state", list(InstanceState))
def test_allowed_actions_per_state(state: InstanceState) -> None:
    assert allowed_actions(state) == EXPECTED[state]


def test_transitions_reach_the_design_targets() -> None:
    assert {a: (t.via, t.target) for a, t in TRANSITIONS.items()} == {
        A.start: (None, S.RUNNING),
        A.stop: (S.STOPPING, S.STOPPED),
        A.reboot: (None, S.RUNNING),
        A.suspend: (None, S.PAUSED),
        A.resume: (None, S.RUNNING),
        A.destroy: (None, S.FINISHED),
    }


def test_refusal_names_the_state_and_the_allowed_actions() -> None:
    with pytest.raises(InvalidState) as err:
        check_action("i-1", S.RUNNING, A.destroy)
    assert (
        err.value.message
        == "cannot destroy instance i-1 while it is RUNNING; allowed now: stop, reboot, suspend"
    )
    assert err.value.details["allowed"] == ["stop", "reboot", "suspend"]
    with pytest.raises(InvalidState, match="allowed now: none"):
        check_action("i-1", S.PENDING, A.stop)


def test_supported_actions_narrow_what_is_allowed() -> None:
    assert allowed_actions(S.RUNNING, {A.stop}) == [A.stop]
    with pytest.raises(InvalidState, match="allowed now: stop$"):
        check_action("i-1", S.RUNNING, A.suspend, {A.stop, A.start})
    assert check_action("i-1", S.STOPPED, A.start).target is S.RUNNING
