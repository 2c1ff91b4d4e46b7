"""The consoles (``instances.serial_console``, ``instances.graphics_console``) on every backend:
opened only for the instance's owner and only while a guest runs, and told in the instance's
``consoles``; or refused as NotSupported (and never offered) by a backend without them. Opening a
running guest's console is the real-guest tests' business (tests/api/test_consoles_*.py)."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, Operation, wait_for_state
from hearth.drivers.resources import InstanceCreate
from hearth.errors import InvalidState, NotFound
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, serves


def test_consoles_are_their_owners_and_only_while_a_guest_runs(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    serial = serves(d, Operation.instances_serial_console, lambda: d.open_serial_console(alice, "nope"))
    screen = serves(d, Operation.instances_graphics_console, lambda: d.open_graphics_console(alice, "nope"))
    opens = [
        op for op, served in ((d.open_serial_console, serial), (d.open_graphics_console, screen)) if served
    ]
    for open_console in opens:
        with pytest.raises(NotFound):
            open_console(alice, "no-such-instance")
    if Feature.create_stopped not in d.capabilities().features:
        return  # booting a guest here is the real-guest tests' business
    made = d.create_instance(alice, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, start=False))
    try:
        assert made.consoles.serial is False  # no guest runs, whatever the backend serves
        for open_console in opens:
            with pytest.raises(NotFound):
                open_console(case.bob, made.id)
            with pytest.raises(InvalidState):
                open_console(alice, made.id)
    finally:
        wait_for_state(d, alice, made.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, made.id)
