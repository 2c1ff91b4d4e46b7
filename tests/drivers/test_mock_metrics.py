"""The mock's metrics: figures derived from the instance's age and id, so they are the same at
the same clock, grow with time and differ between instances — never constants."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.mock import MockDriver, open_mock_driver
from hearth.drivers.resources import METRIC_UNITS, InstanceCreate, InstanceMetrics, MetricName
from hearth.errors import InvalidState
from hearth.vocab.instance_states import InstanceState

ALICE = Caller("alice")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _values(m: InstanceMetrics) -> dict[MetricName, float]:
    return {x.name: x.value for x in m.metrics}


@pytest.fixture
def driven(tmp_path: Path) -> Iterator[tuple[MockDriver, Clock]]:
    clock = Clock(time.time())
    driver = open_mock_driver(f"sqlite:///{tmp_path / 'm.db'}", clock=clock)
    yield driver, clock
    driver.close()


def _running(driver: MockDriver, clock: Clock) -> str:
    made = driver.create_instance(ALICE, InstanceCreate(image_id="debian-12", hwp_id="small"))
    clock.now += 60
    wait_for_state(driver, ALICE, made.id, InstanceState.RUNNING, timeout=5)
    return made.id


def test_figures_are_fixed_at_one_clock_and_grow_as_it_advances(driven: tuple[MockDriver, Clock]) -> None:
    driver, clock = driven
    ident = _running(driver, clock)
    first = driver.get_instance_metrics(ALICE, ident)
    assert first == driver.get_instance_metrics(ALICE, ident)
    assert first.instance_id == ident
    assert set(_values(first)) == set(MetricName)
    assert all(m.unit is METRIC_UNITS[m.name] and m.timestamp == first.timestamp for m in first.metrics)
    clock.now += 600
    later = _values(driver.get_instance_metrics(ALICE, ident))
    for name in (MetricName.cpu_time, MetricName.disk_read_byte, MetricName.nic_input_packet):
        assert later[name] > _values(first)[name] > 0
    assert 0 < later[MetricName.cpu_utilization] <= 100
    assert later[MetricName.disk_read_sector] == later[MetricName.disk_read_byte] // 512
    assert later[MetricName.memory_used] <= later[MetricName.memory_available]


def test_a_stopped_instance_has_no_figures(driven: tuple[MockDriver, Clock]) -> None:
    driver, clock = driven
    made = driver.create_instance(ALICE, InstanceCreate(image_id="debian-12", hwp_id="small", start=False))
    clock.now += 60
    wait_for_state(driver, ALICE, made.id, InstanceState.STOPPED, timeout=5)
    with pytest.raises(
        InvalidState, match="is STOPPED: metrics are read from a guest that is PAUSED, RUNNING"
    ):
        driver.get_instance_metrics(ALICE, made.id)
