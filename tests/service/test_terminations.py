"""Launches and terminations in the shared store: shown per owner, kept their hour, and settled
when the task taking an instance down ended without saying how it went (its server died)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from hearth.drivers import Caller
from hearth.drivers.resources import Instance
from hearth.service.launches import Launch, Launches
from hearth.service.tasks import Progress, TaskRunner, TaskStatus
from hearth.service.terminations import LINK_GRACE, Terminations
from hearth.store import default_url, make_engine, upgrade, write_session
from hearth.store.terminations import TerminatedRow
from hearth.vocab.instance_states import InstanceState

ALICE = Caller("alice")
BOB = Caller("bob")
ADMIN = Caller("root", is_admin=True)
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(default_url(tmp_path))
    upgrade(eng)
    return eng


@pytest.fixture
def runner(engine: Engine) -> Iterator[TaskRunner]:
    tasks = TaskRunner(engine, workers=1)
    yield tasks
    tasks.close()


def _instance(instance_id: str, owner: str = "alice") -> Instance:
    return Instance.model_validate(
        {
            "id": instance_id,
            "name": f"vm-{instance_id}",
            "owner_id": owner,
            "created": NOW,
            "state": InstanceState.RUNNING,
            "actions": [],
            "realm": "local",
            "hardware_profile": "small",
        }
    )


def _age(engine: Engine, instance_id: str, by: timedelta) -> None:
    with write_session(engine) as s:
        s.execute(
            update(TerminatedRow)
            .where(TerminatedRow.instance_id == instance_id)
            .values(since=datetime.now(UTC) - by)
        )


def test_a_launch_is_named_by_its_first_instance_and_read_per_owner(engine: Engine) -> None:
    launches = Launches(engine)
    made = [_instance("a"), _instance("b")]
    assert launches.record(made, "tok") == Launch("a", 0, "tok")
    launches.record([_instance("c", "bob")])
    assert launches.of(ALICE) == {"a": Launch("a", 0, "tok"), "b": Launch("a", 1, "tok")}
    assert launches.of(BOB) == {"c": Launch("c", 0, None)}
    assert set(launches.of(ADMIN)) == {"a", "b", "c"}
    launches.forget("b")
    assert set(launches.of(ALICE)) == {"a"}


def test_a_termination_shows_what_the_instance_was_until_its_hour_is_over(
    engine: Engine, runner: TaskRunner
) -> None:
    terminations = Terminations(engine)
    gate = threading.Event()
    terminations.begin(_instance("a"), {"Name": "vm-a", "env": "x"}, Launch("a", 0, "tok"))
    task = runner.submit(ALICE, "instances.terminate", "terminate a", lambda p: gate.wait(10) and None)
    terminations.started("a", task.id)
    (shown,) = terminations.visible(ALICE, live={"a"})
    assert shown.instance == _instance("a") and dict(shown.tags) == {"Name": "vm-a", "env": "x"}
    assert shown.launch == Launch("a", 0, "tok") and not shown.finished
    assert terminations.visible(BOB, live=set()) == []
    terminations.finish("a")
    gate.set()
    (done,) = terminations.visible(ADMIN, live=set())
    assert done.finished
    _age(engine, "a", timedelta(hours=1, seconds=1))
    assert terminations.visible(ALICE, live=set()) == []


def test_a_failed_termination_is_forgotten(engine: Engine) -> None:
    terminations = Terminations(engine)
    terminations.begin(_instance("a"), {}, None)
    terminations.fail("a")
    assert terminations.visible(ALICE, live={"a"}) == []


def test_a_termination_whose_task_died_settles_by_whether_the_instance_is_still_there(
    engine: Engine, runner: TaskRunner
) -> None:
    terminations = Terminations(engine)

    def work(progress: Progress) -> None:
        raise RuntimeError("the server died here")  # a task that ends without telling the record

    for instance_id in ("gone", "survived"):
        terminations.begin(_instance(instance_id), {}, None)
        task = runner.submit(ALICE, "instances.terminate", instance_id, work)
        runner.wait(ALICE, task.id, 10)
        assert runner.get(ALICE, task.id).status is TaskStatus.failed
        terminations.started(instance_id, task.id)
    (settled,) = terminations.visible(ALICE, live={"survived"})
    assert settled.instance.id == "gone" and settled.finished
    assert [t.instance.id for t in terminations.visible(ALICE, live={"survived"})] == ["gone"]


def test_a_termination_never_linked_to_a_task_is_abandoned_after_the_grace(engine: Engine) -> None:
    terminations = Terminations(engine)
    terminations.begin(_instance("a"), {}, None)
    (pending,) = terminations.visible(ALICE, live={"a"})
    assert not pending.finished
    _age(engine, "a", LINK_GRACE + timedelta(seconds=1))
    assert terminations.visible(ALICE, live={"a"}) == []
