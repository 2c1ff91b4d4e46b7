"""Console output (``instances.console_output``) on every backend: served with the instance's
id, a timestamp and at most CONSOLE_OUTPUT_LIMIT bytes, only to the instance's owner, or refused
as NotSupported by a driver that cannot read a guest's console."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hearth.drivers import Feature, Operation, wait_for_state
from hearth.drivers.operations import CONSOLE_OUTPUT_LIMIT
from hearth.drivers.resources import InstanceCreate
from hearth.errors import NotFound
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, serves


def test_console_output_is_its_owners_bounded_and_timestamped(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.instances_console_output, lambda: d.get_console_output(alice, "nope")):
        return
    with pytest.raises(NotFound):
        d.get_console_output(alice, "no-such-instance")
    if Feature.create_stopped not in d.capabilities().features:
        return  # booting a guest here is the real-guest tests' business
    made = d.create_instance(alice, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, start=False))
    try:
        before = datetime.now(UTC)
        got = d.get_console_output(alice, made.id)
        assert got.instance_id == made.id and got.timestamp >= before
        assert got.output == "" and not got.truncated  # it never ran, so it printed nothing
        assert len(got.output.encode()) <= CONSOLE_OUTPUT_LIMIT
        with pytest.raises(NotFound):
            d.get_console_output(case.bob, made.id)
    finally:
        wait_for_state(d, alice, made.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, made.id)
