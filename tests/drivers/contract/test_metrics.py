"""Instance metrics (``instances.metrics``) on every backend: only for the instance's owner, only
while a guest runs, each figure in its name's one unit; or refused as NotSupported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hearth.drivers import Feature, Operation, wait_for_state
from hearth.drivers.resources import METRIC_UNITS, InstanceCreate, MetricName
from hearth.errors import InvalidState, NotFound
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, boot, serves


def test_metrics_are_the_owners_and_refused_for_a_guest_that_is_not_running(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.instances_metrics, lambda: d.get_instance_metrics(alice, "nope")):
        return
    with pytest.raises(NotFound):
        d.get_instance_metrics(alice, "no-such-instance")
    if Feature.create_stopped not in d.capabilities().features:
        return  # booting a guest here is the real-guest tests' business
    made = d.create_instance(alice, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, start=False))
    try:
        wait_for_state(d, alice, made.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        with pytest.raises(InvalidState, match="STOPPED"):
            d.get_instance_metrics(alice, made.id)
        with pytest.raises(NotFound):
            d.get_instance_metrics(case.bob, made.id)
    finally:
        d.destroy_instance(alice, made.id)


def test_a_running_guests_figures_name_each_metric_once_in_its_unit(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.instances_metrics, lambda: d.get_instance_metrics(alice, "nope")):
        return
    inst = boot(case)
    try:
        before = datetime.now(UTC)
        got = d.get_instance_metrics(alice, inst.id)
        assert got.instance_id == inst.id and got.timestamp >= before
        names = [m.name for m in got.metrics]
        assert MetricName.cpu_time in names and len(names) == len(set(names))
        assert all(m.unit is METRIC_UNITS[m.name] and m.value >= 0 for m in got.metrics)
    finally:
        d.stop_instance(alice, inst.id, force=True)
        wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
        d.destroy_instance(alice, inst.id)
