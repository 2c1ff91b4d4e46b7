"""Tasks over HTTP: progress while running, result or error at the end, and survival of a restart."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from hearth.drivers import Caller, Collection
from hearth.drivers.mock import MockDriver
from hearth.drivers.mock.instances import Instances
from hearth.drivers.resources import Instance, InstanceCreate
from hearth.service import Progress, Service, TaskRunner
from hearth.service.tasks import RESTART_REASON

from .conftest import DEMO, FAST, assert_error, serve, serve_driver, store, wait_task


class GatedInstances(Instances):
    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        if not self.context.gate.acquire(timeout=30):
            raise AssertionError("the test never opened the gate")
        return super().create_instance(caller, request)


class GatedDriver(MockDriver):
    """The mock driver whose creates wait for the test to open a gate, one instance at a time,
    so a task can be seen half done. Fails the create named "boom" with a typed error."""

    parts = {**MockDriver.parts, Collection.instances: GatedInstances}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Parts share state through the context: the gated part waits on this.
        self.gate = self.context.gate = threading.Semaphore(0)


def _poll(
    client: httpx.Client, location: str, want: dict[str, object], timeout: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(location).json()
        if all(body.get(k) == v for k, v in want.items()):
            return dict(body)
        assert time.monotonic() < deadline, f"task never reached {want}: {body}"
        time.sleep(0.02)


def test_a_task_reports_progress_then_its_result(tmp_path: Path) -> None:
    with serve_driver(tmp_path, lambda e: GatedDriver(e, timing=FAST)) as running, running.client(DEMO) as c:
        driver = running.service.driver
        assert isinstance(driver, GatedDriver)
        r = c.post(
            "/v1/instances",
            params={"count": 4},
            json={"image_id": "debian-12", "hwp_id": "small", "name": "g"},
        )
        assert r.status_code == 202
        where = r.headers["location"]
        first = c.get(where).json()
        assert first["status"] in ("queued", "running") and first["progress"] == 0 and first["result"] is None
        _poll(c, where, {"status": "running"})
        driver.gate.release()
        half = _poll(c, where, {"progress": 25})
        assert half["status"] == "running" and half["message"] == "created 1 of 4 instances"
        driver.gate.release()
        _poll(c, where, {"progress": 50})
        driver.gate.release(2)
        done = wait_task(c, where)
        assert done["status"] == "succeeded" and done["progress"] == 100
        assert [i["name"] for i in done["result"]["instances"]] == ["g-1", "g-2", "g-3", "g-4"]
        assert datetime.fromisoformat(done["updated"]) >= datetime.fromisoformat(done["created"])


def test_a_failed_task_carries_the_typed_error(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running, running.client(DEMO) as c:
        caller = running.service.authenticate(*DEMO)

        def work(progress: Progress) -> Instance:
            progress.update(40, "looking for the key")
            request = InstanceCreate(image_id="debian-12", hwp_id="small", key_name="no-such-key")
            return running.service.driver.create_instance(caller, request)

        task = running.service.tasks.submit(caller, "test.fail", "fails with NotFound", work)
        done = wait_task(c, f"/v1/tasks/{task.id}")
        assert done["status"] == "failed" and done["result"] is None
        assert done["progress"] == 40 and done["message"] == "looking for the key"
        error = done["error"]
        assert isinstance(error, dict)
        assert error["code"] == 404 and error["error"] == "NotFound" and "no-such-key" in error["message"]


def test_unknown_task_is_404(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running, running.client(DEMO) as c:
        assert_error(c.get("/v1/tasks/no-such-task"), 404, "NotFound")


def test_a_restart_fails_what_was_left_running_with_the_reason(tmp_path: Path) -> None:
    engine = store(tmp_path)
    caller = Caller(user_id="someone")
    first = TaskRunner(engine, workers=1)
    release = threading.Event()
    try:

        def block(progress: Progress) -> None:
            release.wait(30)

        first.submit(caller, "test.block", "blocks", block)
        queued = first.submit(caller, "test.queued", "never starts", lambda p: None)
        deadline = time.monotonic() + 10
        while first.get(caller, queued.id).status.value != "queued" or not any(
            t.status.value == "running" for t in first.list(caller)
        ):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # The server "dies" here: a new Service on the same store takes over.
        with serve(Service(MockDriver(engine, timing=FAST), engine, owns_engine=False)) as running:
            admin = running.client(("admin", "admin-password"))
            tasks = admin.get("/v1/tasks").json()["tasks"]
            assert len(tasks) == 2
            for t in tasks:
                assert t["status"] == "failed"
                assert t["error"] == {
                    "code": 502,
                    "error": "BackendError",
                    "message": RESTART_REASON,
                    "details": {},
                }
            admin.close()
    finally:
        release.set()
        first.close()
        engine.dispose()


def test_work_still_queued_at_shutdown_is_failed_not_left_queued(tmp_path: Path) -> None:
    engine = store(tmp_path)
    caller = Caller(user_id="someone")
    runner = TaskRunner(engine, workers=1)
    release = threading.Event()

    def block(progress: Progress) -> None:
        release.wait(30)

    try:
        running = runner.submit(caller, "test.block", "blocks", block)
        queued = runner.submit(caller, "test.queued", "never starts", lambda p: None)
        deadline = time.monotonic() + 10
        while runner.get(caller, running.id).status.value != "running":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        runner.close(wait=False)  # the first is still blocked, the second still queued
        late = runner.get(caller, queued.id)
        assert late.status.value == "failed"
        assert late.error is not None and late.error.message == RESTART_REASON
        release.set()
        assert runner.wait(caller, running.id, timeout=10).status.value == "succeeded"
    finally:
        release.set()
        engine.dispose()
