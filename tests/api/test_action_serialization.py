"""One state-changing action at a time per instance, on every driver: the second is 409, never lost.

On the mock driver the first action is held open inside the driver (a subclass waits on an event
in ``stop_instance``: the only way to make "while the first one runs" last long enough to hit,
since the mock's own actions take microseconds). On the qemu driver a real guest is hammered with
parallel stop and suspend calls.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from hearth.drivers import Caller, Collection
from hearth.drivers.mock import MockDriver
from hearth.drivers.mock.instances import Instances
from hearth.drivers.resources import Instance
from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._qemu import qemu_serving
from .conftest import (
    DEMO,
    FAST,
    OTHER,
    Running,
    assert_error,
    created,
    new_instance,
    serve_driver,
    wait_state,
)


class HeldInstances(Instances):
    def stop_instance(self, caller: Caller, instance_id: str, **options: Any) -> Instance:
        self.context.stop_entered.set()
        assert self.context.stop_release.wait(30)
        return super().stop_instance(caller, instance_id, **options)


class HeldStops(MockDriver):
    """The mock driver, but a stop stays in the driver until the test lets it go."""

    parts = {**MockDriver.parts, Collection.instances: HeldInstances}

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, timing=FAST)
        # Parts share state through the context: the held part waits on these.
        self.entered = self.context.stop_entered = threading.Event()
        self.release = self.context.stop_release = threading.Event()


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Running]:
    with serve_driver(tmp_path, HeldStops) as running:
        yield running


def test_a_second_action_while_the_first_runs_is_409_naming_it(held: Running) -> None:
    driver = held.service.driver
    assert isinstance(driver, HeldStops)
    with held.client(DEMO) as demo, held.client(OTHER) as other, ThreadPoolExecutor(1) as pool:
        inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
        stopping = pool.submit(demo.post, f"/v1/instances/{inst['id']}/stop")
        assert driver.entered.wait(30)
        body = assert_error(demo.post(f"/v1/instances/{inst['id']}/suspend"), 409, "InvalidState")
        assert "stop is in progress" in body["message"] and body["details"]["in_progress"] == "stop"
        # Another tenant learns nothing: the instance does not exist for them.
        assert_error(other.post(f"/v1/instances/{inst['id']}/suspend"), 404, "NotFound")
        driver.release.set()
        assert stopping.result(30).status_code == 202
        wait_state(demo, inst["id"], "STOPPED")
        assert demo.post(f"/v1/instances/{inst['id']}/start").status_code == 202  # free again


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-serial"), guest_files(request)) as running:
        yield running


def test_parallel_stop_and_suspend_on_a_qemu_guest_accept_exactly_one(qemu_server: Running) -> None:
    with qemu_server.client(DEMO) as demo:
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small"})
        inst = wait_state(demo, created(demo, r, 120)["id"], "RUNNING", timeout=120)

        def act(i: int) -> httpx.Response:
            action = "stop" if i % 2 == 0 else "suspend"
            with qemu_server.client(DEMO) as c:
                return c.post(f"/v1/instances/{inst['id']}/{action}")

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(act, range(20)))
        statuses = Counter(a.status_code for a in answers)
        assert statuses[202] == 1 and statuses[409] == 19, statuses
        for refused in (a for a in answers if a.status_code == 409):
            assert_error(refused, 409, "InvalidState")
        accepted = next(a for a in answers if a.status_code == 202).json()
        final = "STOPPED" if accepted["state"] in ("STOPPING", "STOPPED") else "PAUSED"
        wait_state(demo, inst["id"], final, timeout=120)  # the accepted action was not lost
