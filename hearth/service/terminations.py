"""Terminated instances, remembered for an hour after they went.

EC2 keeps a terminated instance visible for about an hour and clients rely on it: boto3's
``instance_terminated`` waiter and ``aws ec2 wait`` poll until they see the state, which they
never would if the instance simply vanished. A termination stops and destroys the instance in a
task; what the instance was (its view, tags and launch) is written to the shared store when it
begins, so every server sharing the store, and one restarted meanwhile, shows it: shutting down
while the task runs, terminated for ``kept_for`` once the instance is gone.

A termination whose task ended without saying how it went (its process died) is settled when
next listed: terminated if the instance is gone, forgotten (the instance shows its own state
again) if it is still there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.drivers.caller import owner_scope
from hearth.drivers.resources import Instance
from hearth.store import terminations as rows
from hearth.store.launches import StoredLaunch

from .launches import Launch
from .tasks import FINISHED, TaskStatus

KEPT_FOR: Final = timedelta(hours=1)
# How long a termination may wait for its task to be linked before it counts as abandoned.
LINK_GRACE: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class Terminated:
    instance: Instance  # as it was when its termination began
    tags: Mapping[str, str]
    launch: Launch | None
    finished: bool  # destroyed (terminated), or still shutting down
    since: datetime


class Terminations:
    """The terminations in the store at ``engine``, each shown for ``kept_for`` once finished."""

    def __init__(self, engine: Engine, kept_for: timedelta = KEPT_FOR) -> None:
        self.engine = engine
        self.kept_for = kept_for

    def begin(
        self, instance: Instance, tags: Mapping[str, str], launch: Launch | None, task_id: str | None = None
    ) -> None:
        """Record what the instance is as its termination begins, by the task ``task_id`` (or
        one ``started`` names later). The task may even have ended already: the record is then
        settled when next listed, as one whose task died."""
        stored = StoredLaunch(launch.id, launch.index, launch.client_token) if launch else None
        view = instance.model_dump(mode="json")
        rows.begin_termination(self.engine, instance.id, instance.owner_id, view, dict(tags), stored, task_id)

    def started(self, instance_id: str, task_id: str) -> None:
        """The task ``task_id`` is taking the instance down."""
        rows.link_task(self.engine, instance_id, task_id)

    def finish(self, instance_id: str) -> None:
        rows.finish_terminations(self.engine, [instance_id])

    def fail(self, instance_id: str) -> None:
        """The stop or destroy failed: the instance is what the backend says it is again."""
        rows.delete_terminations(self.engine, [instance_id])

    def visible(
        self, caller: Caller, live: Collection[str], ids: Collection[str] | None = None
    ) -> list[Terminated]:
        """The caller's terminating and terminated instances (or those of ``ids``); ``live`` are
        the ids the backend still has, to settle abandoned terminations. Those past their hour
        are dropped."""
        now = datetime.now(UTC)
        shown: list[Terminated] = []
        expired: list[str] = []
        ended: list[str] = []
        for row in rows.terminations_of(self.engine, owner_scope(caller), ids):
            if not row.finished and _abandoned(row, now):
                if row.instance_id in live:
                    expired.append(row.instance_id)  # it survived: it is what it is
                    continue
                ended.append(row.instance_id)
                shown.append(_terminated(row, finished=True, since=now))
            elif row.finished and now - row.since > self.kept_for:
                expired.append(row.instance_id)
            else:
                shown.append(_terminated(row, finished=row.finished, since=row.since))
        rows.delete_terminations(self.engine, expired)
        rows.finish_terminations(self.engine, ended)
        return shown


def _abandoned(row: rows.StoredTermination, now: datetime) -> bool:
    if row.task_id is None:
        return now - row.since > LINK_GRACE
    return row.task_status is None or TaskStatus(row.task_status) in FINISHED


def _terminated(row: rows.StoredTermination, *, finished: bool, since: datetime) -> Terminated:
    launch = (
        Launch(row.launch.launch_id, row.launch.launch_index, row.launch.client_token) if row.launch else None
    )
    return Terminated(Instance.model_validate(row.instance), row.tags, launch, finished, since)
