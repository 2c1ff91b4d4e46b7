"""The ``terminated_instances`` table: what an instance was when it was terminated.

A row is written when a termination begins (``finished`` false: the instance is shutting down)
and marked finished when the instance is destroyed, so listings can show it as terminated for a
while after the backend forgot it. ``instance`` and ``tags`` are the service's JSON of the
instance as it was; ``task_id`` names the task taking it down, read back with that task's status
so a termination whose process died can be told from one still running.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Engine, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .engine import read_session, write_session
from .launches import TOKEN_LEN, StoredLaunch
from .models import ID_LEN, Base, UTCDateTime, utcnow
from .tasks import TaskRow


class TerminatedRow(Base):
    __tablename__ = "terminated_instances"

    instance_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    instance: Mapped[dict[str, Any]] = mapped_column(JSON)
    tags: Mapped[dict[str, str]] = mapped_column(JSON)
    launch_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    launch_index: Mapped[int] = mapped_column(Integer, default=0)
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_LEN))
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    task_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class StoredTermination:
    instance_id: str
    owner_id: str
    instance: dict[str, Any]
    tags: dict[str, str]
    launch: StoredLaunch | None
    finished: bool
    task_id: str | None
    task_status: str | None  # None: no task linked, or its row is gone
    since: datetime


def begin_termination(
    engine: Engine,
    instance_id: str,
    owner_id: str,
    instance: dict[str, Any],
    tags: dict[str, str],
    launch: StoredLaunch | None,
    task_id: str | None = None,
) -> None:
    """Record a termination starting now (replacing an earlier record of the instance)."""
    with write_session(engine) as s:
        s.execute(delete(TerminatedRow).where(TerminatedRow.instance_id == instance_id))
        s.add(
            TerminatedRow(
                instance_id=instance_id,
                owner_id=owner_id,
                instance=instance,
                tags=tags,
                launch_id=launch.launch_id if launch else None,
                launch_index=launch.launch_index if launch else 0,
                client_token=launch.client_token if launch else None,
                finished=False,
                task_id=task_id,
                since=utcnow(),
            )
        )


def link_task(engine: Engine, instance_id: str, task_id: str) -> None:
    with write_session(engine) as s:
        s.execute(
            update(TerminatedRow).where(TerminatedRow.instance_id == instance_id).values(task_id=task_id)
        )


def finish_terminations(engine: Engine, instance_ids: Collection[str]) -> None:
    """The instances are gone: terminated from now on."""
    if not instance_ids:
        return
    with write_session(engine) as s:
        s.execute(
            update(TerminatedRow)
            .where(TerminatedRow.instance_id.in_(list(instance_ids)), TerminatedRow.finished.is_(False))
            .values(finished=True, since=utcnow())
        )


def delete_terminations(engine: Engine, instance_ids: Collection[str]) -> None:
    if not instance_ids:
        return
    with write_session(engine) as s:
        s.execute(delete(TerminatedRow).where(TerminatedRow.instance_id.in_(list(instance_ids))))


def terminations_of(
    engine: Engine, owners: Collection[str] | None, ids: Collection[str] | None = None
) -> list[StoredTermination]:
    """The terminations of instances owned by ``owners`` (None: anyone's), with their tasks'
    status; ``ids`` narrows it to those instances."""
    query = select(TerminatedRow, TaskRow.status).outerjoin(TaskRow, TaskRow.id == TerminatedRow.task_id)
    if owners is not None:
        query = query.where(TerminatedRow.owner_id.in_(owners))
    if ids is not None:
        query = query.where(TerminatedRow.instance_id.in_(ids))
    with read_session(engine) as s:
        return [_stored(row, status) for row, status in s.execute(query)]


def _stored(row: TerminatedRow, task_status: str | None) -> StoredTermination:
    launch = StoredLaunch(row.launch_id, row.launch_index, row.client_token) if row.launch_id else None
    return StoredTermination(
        row.instance_id,
        row.owner_id,
        row.instance,
        row.tags,
        launch,
        row.finished,
        row.task_id,
        task_status,
        row.since,
    )
