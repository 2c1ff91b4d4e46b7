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

from sqlalchemy import JSON, Boolean, Engine, Integer, String, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .engine import read_connection, write_connection
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
    row = {
        "instance_id": instance_id,
        "owner_id": owner_id,
        "instance": instance,
        "tags": tags,
        "launch_id": launch.launch_id if launch else None,
        "launch_index": launch.launch_index if launch else 0,
        "client_token": launch.client_token if launch else None,
        "finished": False,
        "task_id": task_id,
        "since": utcnow(),
    }
    with write_connection(engine) as conn:
        conn.execute(delete(TerminatedRow).where(TerminatedRow.instance_id == instance_id))
        conn.execute(insert(TerminatedRow), [row])


def link_task(engine: Engine, instance_id: str, task_id: str) -> None:
    with write_connection(engine) as conn:
        conn.execute(
            update(TerminatedRow).where(TerminatedRow.instance_id == instance_id).values(task_id=task_id)
        )


def finish_terminations(engine: Engine, instance_ids: Collection[str]) -> None:
    """The instances are gone: terminated from now on."""
    if not instance_ids:
        return
    with write_connection(engine) as conn:
        conn.execute(
            update(TerminatedRow)
            .where(TerminatedRow.instance_id.in_(list(instance_ids)), TerminatedRow.finished.is_(False))
            .values(finished=True, since=utcnow())
        )


def delete_terminations(engine: Engine, instance_ids: Collection[str]) -> None:
    if not instance_ids:
        return
    with write_connection(engine) as conn:
        conn.execute(delete(TerminatedRow).where(TerminatedRow.instance_id.in_(list(instance_ids))))


_COLUMNS = (
    TerminatedRow.instance_id,
    TerminatedRow.owner_id,
    TerminatedRow.instance,
    TerminatedRow.tags,
    TerminatedRow.launch_id,
    TerminatedRow.launch_index,
    TerminatedRow.client_token,
    TerminatedRow.finished,
    TerminatedRow.task_id,
    TaskRow.status,
    TerminatedRow.since,
)


def terminations_of(
    engine: Engine, owners: Collection[str] | None, ids: Collection[str] | None = None
) -> list[StoredTermination]:
    """The terminations of instances owned by ``owners`` (None: anyone's), with their tasks'
    status; ``ids`` narrows it to those instances."""
    query = select(*_COLUMNS).outerjoin(TaskRow, TaskRow.id == TerminatedRow.task_id)
    if owners is not None:
        query = query.where(TerminatedRow.owner_id.in_(owners))
    if ids is not None:
        query = query.where(TerminatedRow.instance_id.in_(ids))
    with read_connection(engine) as conn:
        return [_stored(*row) for row in conn.execute(query)]


def _stored(
    instance_id: str,
    owner_id: str,
    instance: dict[str, Any],
    tags: dict[str, str],
    launch_id: str | None,
    launch_index: int,
    client_token: str | None,
    finished: bool,
    task_id: str | None,
    task_status: str | None,
    since: datetime,
) -> StoredTermination:
    launch = StoredLaunch(launch_id, launch_index, client_token) if launch_id else None
    return StoredTermination(
        instance_id, owner_id, instance, tags, launch, bool(finished), task_id, task_status, since
    )
