"""Following a task to its end, with a progress bar for people and silence for scripts."""

from __future__ import annotations

import time
from typing import Any

from .http import Api, ClientError

POLL_SECONDS = 0.5
DEFAULT_TIMEOUT = 3600.0


def follow(
    api: Api, task: dict[str, Any], *, quiet: bool, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The finished task; ClientError with the task's own error message if it failed."""
    deadline = time.monotonic() + timeout
    if quiet:
        while task["status"] not in ("succeeded", "failed"):
            _check_deadline(task, deadline, timeout)
            time.sleep(POLL_SECONDS)
            task = api.get(f"/v1/tasks/{task['id']}")
    else:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

        from .render import console

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            console=console(),
            transient=False,
        ) as bar:
            row = bar.add_task(task.get("message") or task["name"], total=100, completed=task["progress"])
            while task["status"] not in ("succeeded", "failed"):
                _check_deadline(task, deadline, timeout)
                time.sleep(POLL_SECONDS)
                task = api.get(f"/v1/tasks/{task['id']}")
                bar.update(row, completed=task["progress"], description=task.get("message") or task["name"])
            bar.update(row, completed=100 if task["status"] == "succeeded" else task["progress"])
    if task["status"] == "failed":
        error = task.get("error") or {}
        raise ClientError(f"task {task['id']} failed: {error.get('message', 'no reason given')}")
    return task


def _check_deadline(task: dict[str, Any], deadline: float, timeout: float) -> None:
    if time.monotonic() > deadline:
        raise ClientError(f"task {task['id']} is still {task['status']} after {timeout:g}s")


def result_or_task(
    api: Api, status: int, body: dict[str, Any], *, wait: bool, quiet: bool
) -> tuple[dict[str, Any], bool]:
    """(what to print, whether it is a task): 202 answers are followed when ``wait``."""
    if status != 202 or "kind" not in body or "progress" not in body:
        return body, False
    if not wait:
        return body, True
    done = follow(api, body, quiet=quiet)
    return (done.get("result") or done), False
