"""The bounded task queue over HTTP: past a user's or the server's bound a submit is a 429 in the
one error shape (and one line from the CLI), and once the workers drain the queue, submits work again.

The driver's creates wait on a gate the test opens (``GatedDriver``), so the queue's contents are
known exactly; the server, store and CLI are real.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.service import Service, ServiceConfig, load_config
from hearth.service.tasks import TaskLimits

from .conftest import ADMIN, DEMO, FAST, OTHER, assert_error, serve, store, wait_task
from .test_tasks import GatedDriver

HEARTH = str(Path(sys.executable).with_name("hearth"))
MANY = {"image_id": "debian-12", "hwp_id": "small"}
_names = itertools.count()


def _submit(client: httpx.Client) -> httpx.Response:
    # A name of its own each time: instance names are unique per server.
    return client.post("/v1/instances", params={"count": 2}, json={**MANY, "name": f"q{next(_names)}"})


def _until_running(client: httpx.Client, location: str) -> None:
    deadline = time.monotonic() + 10
    while client.get(location).json()["status"] != "running":
        assert time.monotonic() < deadline, "the first task never started"
        time.sleep(0.02)


def test_the_queue_is_bounded_per_user_and_overall_and_drains(tmp_path: Path) -> None:
    engine = store(tmp_path)
    driver = GatedDriver(engine, timing=FAST)
    limits = TaskLimits(max_queued=2, max_queued_per_user=1)
    with (
        serve(Service(driver, engine, task_workers=1, task_limits=limits)) as running,
        running.client(DEMO) as demo,
        running.client(OTHER) as other,
        running.client(ADMIN) as admin,
    ):
        assert demo.post("/v1/templates", json={"name": "web", "os": "debian11"}).status_code == 201
        first = _submit(demo)
        assert first.status_code == 202, first.text
        _until_running(demo, first.headers["location"])  # the one worker is busy; nothing queued

        queued = _submit(demo)
        assert queued.status_code == 202
        body = assert_error(_submit(demo), 429, "LimitExceeded")
        assert body["details"] == {"scope": "user", "limit": 1}
        assert "waiting to run" in body["message"]

        # The CLI: one clear line and a non-zero exit (a template with a disk is created as a task).
        env = {**os.environ, "HEARTH_URL": running.url, "HEARTH_USER": DEMO[0], "HEARTH_PASSWORD": DEMO[1]}
        cli = subprocess.run(
            [HEARTH, "vm", "create", "--template", "web", "--no-wait"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        assert cli.returncode != 0
        lines = cli.stderr.strip().splitlines()
        assert len(lines) == 1 and "tasks waiting to run" in lines[0], cli.stderr

        third = _submit(other)  # another user still has room, until the server's bound
        assert third.status_code == 202
        body = assert_error(_submit(admin), 429, "LimitExceeded")
        assert body["details"] == {"scope": "server", "limit": 2}

        driver.gate.release(100)
        done: list[dict[str, Any]] = [
            wait_task(c, r.headers["location"]) for c, r in ((demo, first), (demo, queued), (other, third))
        ]
        assert [t["status"] for t in done] == ["succeeded"] * 3
        assert running.service.tasks.queued() == 0

        again = _submit(demo)
        assert again.status_code == 202
        assert wait_task(demo, again.headers["location"])["status"] == "succeeded"


def test_the_limits_are_read_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "hearth.toml"
    path.write_text("max_queued_tasks = 10\nmax_queued_tasks_per_user = 3\n")
    cfg = load_config(path)
    assert cfg.task_limits == TaskLimits(max_queued=10, max_queued_per_user=3)
    assert ServiceConfig().task_limits == TaskLimits()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("max_queued_tasks = 0\n", "max_queued_tasks must be between 1 and"),
        ('max_queued_tasks_per_user = "many"\n', "max_queued_tasks_per_user must be an integer"),
    ],
)
def test_bad_limits_are_named(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "hearth.toml"
    path.write_text(text)
    done = subprocess.run(
        [HEARTH, "user", "list", "--config", str(path), "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
