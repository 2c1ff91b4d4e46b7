"""The instance state machine as frontends read it, e.g. Deltacloud's ``/api/instance_states``.

The machine lives with the drivers (every backend refuses the same things); frontends may not
import the driver layer's internals, so the service hands them its facts from here.
"""

from __future__ import annotations

from hearth.drivers.states import BOOTED_STATE, INITIAL_STATE, TRANSITIONS, Transition

__all__ = ["BOOTED_STATE", "INITIAL_STATE", "Transition", "transitions"]


def transitions() -> list[Transition]:
    """Every action's transition, in the contract's order of actions."""
    return list(TRANSITIONS.values())
