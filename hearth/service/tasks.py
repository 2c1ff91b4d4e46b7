"""Long operations as tasks: queued in the store, run on a bounded pool, progress 0-100, durable.

A request that would take long (creating many instances, cloning a volume, a template with a
download) returns at once with a task; the work runs on one of a fixed number of threads and
reports progress into the task's row. The row is the truth: it survives the server, and a server
that starts again marks what was left queued or running as failed, with the reason, because
the code that would have finished it died with the old process.

The queue is bounded, per user and overall (``TaskLimits``): past either bound a submit fails
at once with ``LimitExceeded`` (HTTP 429) instead of growing a backlog that would take hours to
drain and hold its requests' memory meanwhile. Only tasks still waiting for a worker count;
the bound lives in this process because the queue does.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import Engine, insert, select, update

from hearth.drivers import Caller
from hearth.drivers.caller import ensure_visible, owner_scope
from hearth.drivers.events import DriverEvent, EventKind, EventSink
from hearth.errors import BackendError, BackendTimeout, HearthError, LimitExceeded
from hearth.store import new_id, read_session, store_errors, write_connection, write_session
from hearth.store.models import utcnow
from hearth.store.tasks import TaskRow

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 4
DEFAULT_MAX_QUEUED = 256
DEFAULT_MAX_QUEUED_PER_USER = 32
RESTART_REASON = "the server stopped before this task finished; it did not complete"


class TaskStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


FINISHED = frozenset({TaskStatus.succeeded, TaskStatus.failed})


@dataclass(frozen=True)
class TaskLimits:
    """How many tasks may wait for a worker: overall, and for any one user."""

    max_queued: int = DEFAULT_MAX_QUEUED
    max_queued_per_user: int = DEFAULT_MAX_QUEUED_PER_USER

    def __post_init__(self) -> None:
        if self.max_queued < 1 or self.max_queued_per_user < 1:
            raise ValueError("task queue limits must be at least 1")


class TaskError(BaseModel):
    """The typed error a failed task ended with, in the same shape as an HTTP error body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: int
    error: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class Task(BaseModel):
    """``kind`` names the operation ("instances.create"); ``result`` is set once it succeeded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    owner_id: str
    created: datetime
    updated: datetime
    kind: str
    status: TaskStatus
    progress: int = Field(ge=0, le=100)
    message: str | None = None
    result: dict[str, Any] | None = None
    error: TaskError | None = None


class Progress:
    """Handed to the work function: ``update(percent, message)`` records how far it got.

    Writes only when something changed, so a chatty loop costs no more than its distinct steps.
    """

    def __init__(self, runner: TaskRunner, task_id: str) -> None:
        self._runner = runner
        self._task_id = task_id
        self._last: tuple[int, str | None] = (0, None)

    def update(self, percent: float, message: str | None = None) -> None:
        value = max(0, min(99, int(percent)))  # 100 is reserved for "finished"
        if (value, message) == self._last:
            return
        self._last = (value, message)
        self._runner._write(self._task_id, progress=value, message=message)


Work = Callable[[Progress], BaseModel | dict[str, Any] | None]


def error_of(exc: BaseException, reference: str) -> TaskError:
    """The error a task records: typed errors as they are, anything else without its internals."""
    if isinstance(exc, HearthError):
        return TaskError(
            code=exc.status, error=exc.code_name, message=exc.message, details=json_safe(exc.details)
        )
    return TaskError(
        code=500,
        error="InternalError",
        message=f"the task failed because of an internal error (reference {reference})",
        details={"reference": reference},
    )


def json_safe(value: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON values; whatever has no JSON form becomes its string form."""
    encoded = to_jsonable_python(value, fallback=str)
    return encoded if isinstance(encoded, dict) else {}


def _task(row: TaskRow) -> Task:
    return Task(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        updated=row.updated,
        kind=row.kind,
        status=TaskStatus(row.status),
        progress=row.progress,
        message=row.message,
        result=row.result,
        error=TaskError.model_validate(row.error) if row.error is not None else None,
    )


class TaskRunner:
    """Runs work functions on ``workers`` threads and keeps their tasks in the store."""

    def __init__(
        self, engine: Engine, *, workers: int = DEFAULT_WORKERS, limits: TaskLimits | None = None
    ) -> None:
        if workers < 1:
            raise ValueError("a task runner needs at least one worker")
        self.engine = engine
        self.limits = limits or TaskLimits()
        self._queued: dict[str, int] = {}  # owner id -> tasks waiting for a worker (guarded by _ids_lock)
        self._queued_total = 0
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hearth-task")
        self._done = threading.Condition()
        self._closed = False
        self._ids_lock = threading.Lock()
        self._submitted: set[str] = set()  # not finished yet, for close()
        self.listener: EventSink | None = None
        """Told of every status and progress change (the service's event hub)."""
        self._about: dict[str, tuple[str, str, str]] = {}  # task id -> owner, kind, name (live tasks)

    # --- lifecycle ----------------------------------------------------------------------------

    def recover(self) -> int:
        """Mark tasks a previous server left queued or running as failed; returns how many."""
        error = TaskError(code=BackendError.status, error=BackendError.code_name, message=RESTART_REASON)
        with store_errors("the task store"), write_session(self.engine) as s:
            result = s.execute(
                update(TaskRow)
                .where(TaskRow.status.in_([TaskStatus.queued.value, TaskStatus.running.value]))
                .values(status=TaskStatus.failed.value, error=error.model_dump(), updated=utcnow())
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def close(self, *, wait: bool = True) -> None:
        """Stop taking work; with ``wait`` finish what is running. Queued work never starts: its
        tasks are marked failed now rather than at the next start."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
        with self._ids_lock:
            mine, self._submitted = list(self._submitted), set()
        if not mine:
            return
        error = TaskError(code=BackendError.status, error=BackendError.code_name, message=RESTART_REASON)
        try:
            with store_errors("the task store"), write_session(self.engine) as s:
                s.execute(
                    update(TaskRow)
                    .where(TaskRow.id.in_(mine), TaskRow.status == TaskStatus.queued.value)
                    .values(status=TaskStatus.failed.value, error=error.model_dump(), updated=utcnow())
                )
        except HearthError:
            log.exception("could not mark the queued tasks failed at shutdown")

    # --- the API ------------------------------------------------------------------------------

    def submit(self, caller: Caller, kind: str, name: str, work: Work) -> Task:
        """Record a queued task owned by the caller and hand ``work`` to the pool."""
        if self._closed:
            raise BackendError("the server is shutting down; no new tasks are accepted")
        self._enqueue(caller.user_id)
        try:
            task = self._record(caller, kind, name)
        except BaseException:
            self._dequeue(caller.user_id)
            raise
        with self._ids_lock:
            self._submitted.add(task.id)
            self._about[task.id] = (caller.user_id, kind, task.name)
        self._announce(task.id, status=TaskStatus.queued.value, progress=0)
        self._pool.submit(self._run, task.id, caller.user_id, work)
        return task

    def queued(self, caller: Caller | None = None) -> int:
        """Tasks waiting for a worker: the caller's, or all when None."""
        with self._ids_lock:
            return self._queued_total if caller is None else self._queued.get(caller.user_id, 0)

    def _enqueue(self, owner: str) -> None:
        """Count one more waiting task for ``owner``, or LimitExceeded when a bound is reached."""
        limits = self.limits
        with self._ids_lock:
            mine = self._queued.get(owner, 0)
            if mine >= limits.max_queued_per_user:
                raise LimitExceeded(
                    f"you already have {mine} tasks waiting to run, the most one user may queue; "
                    "retry when some have started",
                    scope="user",
                    limit=limits.max_queued_per_user,
                )
            if self._queued_total >= limits.max_queued:
                raise LimitExceeded(
                    f"the server already has {self._queued_total} tasks waiting to run, its limit; "
                    "retry later",
                    scope="server",
                    limit=limits.max_queued,
                )
            self._queued[owner] = mine + 1
            self._queued_total += 1

    def _dequeue(self, owner: str) -> None:
        with self._ids_lock:
            left = self._queued.get(owner, 0) - 1
            if left > 0:
                self._queued[owner] = left
            else:
                self._queued.pop(owner, None)
            self._queued_total = max(0, self._queued_total - 1)

    def _record(self, caller: Caller, kind: str, name: str) -> Task:
        now = utcnow()
        fields: dict[str, Any] = {
            "id": new_id(),
            "name": name[:64],
            "owner_id": caller.user_id,
            "created": now,
            "updated": now,
            "kind": kind,
            "status": TaskStatus.queued.value,
            "progress": 0,
        }
        # Core, not the ORM: three writes per task (queued, running, finished) on every
        # termination and long create; a unit of work cost more than the statement.
        with store_errors("the task store"), write_connection(self.engine) as conn:
            conn.execute(insert(TaskRow).values(fields))
        return _task(TaskRow(**fields))

    def get(self, caller: Caller, task_id: str) -> Task:
        with store_errors("the task store"), read_session(self.engine) as s:
            row = s.get(TaskRow, task_id)
            ensure_visible(caller, "task", task_id, row.owner_id if row else None)
            assert row is not None
            return _task(row)

    def list(self, caller: Caller, *, name: str | None = None) -> list[Task]:
        q = select(TaskRow).order_by(TaskRow.created, TaskRow.id)
        if name is not None:
            q = q.where(TaskRow.name == name)
        scope = owner_scope(caller)
        if scope is not None:
            q = q.where(TaskRow.owner_id.in_(scope))
        with store_errors("the task store"), read_session(self.engine) as s:
            return [_task(r) for r in s.scalars(q)]

    def wait(self, caller: Caller, task_id: str, timeout: float = 60.0) -> Task:
        """Block until the task finished (for the CLI and tests); BackendTimeout after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(caller, task_id)
            if task.status in FINISHED:
                return task
            left = deadline - time.monotonic()
            if left <= 0:
                raise BackendTimeout(
                    f"task {task_id} is still {task.status.value} after {timeout:g}s", task=task_id
                )
            with self._done:
                self._done.wait(min(left, 0.5))

    # --- internals ----------------------------------------------------------------------------

    def _run(self, task_id: str, owner: str, work: Work) -> None:
        self._dequeue(owner)
        try:
            self._write(task_id, status=TaskStatus.running)
            outcome = work(Progress(self, task_id))
        except BaseException as exc:  # the task records every failure; nothing escapes the pool
            ref = uuid.uuid4().hex[:12]
            if not isinstance(exc, HearthError):
                log.error("task %s failed unexpectedly (reference %s)", task_id, ref, exc_info=exc)
            self._finish(task_id, TaskStatus.failed, error=error_of(exc, ref))
            if not isinstance(exc, Exception):
                raise
            return
        result = outcome.model_dump(mode="json") if isinstance(outcome, BaseModel) else outcome
        self._finish(task_id, TaskStatus.succeeded, result=None if result is None else json_safe(result))

    def _finish(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        result: dict[str, Any] | None = None,
        error: TaskError | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "result": result}
        if status is TaskStatus.succeeded:
            values["progress"] = 100
        if error is not None:
            values["error"] = error.model_dump()
        try:
            self._write(task_id, **values)
        except HearthError:
            log.exception("could not record the end of task %s", task_id)
        with self._ids_lock:
            self._submitted.discard(task_id)
            self._about.pop(task_id, None)
        with self._done:
            self._done.notify_all()

    def _write(self, task_id: str, **values: Any) -> None:
        if isinstance(values.get("status"), TaskStatus):
            values["status"] = values["status"].value
        values["updated"] = utcnow()
        with store_errors("the task store"), write_connection(self.engine) as conn:
            conn.execute(update(TaskRow).where(TaskRow.id == task_id).values(**values))
        self._announce(task_id, **values)

    def _announce(self, task_id: str, **values: Any) -> None:
        """Tell the listener what just changed in the task's row (status, progress, message)."""
        listener = self.listener
        about = self._about.get(task_id)
        if listener is None or about is None:
            return
        owner, kind, name = about
        detail: dict[str, Any] = {"kind": kind, "name": name}
        for key in ("status", "progress", "message"):
            if key in values:
                detail[key] = values[key]
        if "error" in values:
            detail["error"] = values["error"]
        try:
            listener(DriverEvent(EventKind.task_progress, task_id, owner, source="tasks", detail=detail))
        except Exception:  # the task's own work goes on whatever a listener does
            log.exception("the task event listener failed")
