"""Instance names are unique per server: a create naming one in use is 409 Conflict.

In the service, so every frontend and every backend (mock, libvirt, qemu, ec2) has the rule.
A name is claimed under one lock from the check until the instance exists: two creates with
one name at once cannot both pass. A create that runs as a task keeps its claim until the task
has finished (by then the instance is listed, or the create failed and the name is free).

This claim lives in the server's memory: it serializes the creates of one server, which is
what "per server" means; servers sharing a store each enforce it for their own creates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from hearth.drivers import Caller, Driver
from hearth.errors import Conflict

# Listing every user's instances is the service's own business, not any caller's.
NAMES_CALLER = Caller("hearth-instance-names", is_admin=True)

TaskDone = Callable[[str], bool]


class InstanceNames:
    def __init__(self, driver: Driver, task_done: TaskDone) -> None:
        self._driver = driver
        self._task_done = task_done
        self._lock = threading.Lock()
        self._claimed: dict[str, str | None] = {}  # name -> the task still creating it (None: in a call)

    @contextmanager
    def claim(self, names: Iterable[str | None]) -> Iterator[Callable[[str], None]]:
        """Hold ``names`` (Nones are skipped: the driver names those) while the block creates
        them; the block calls the yielded function with a task id to keep them until that task
        ends. Conflict when one is taken."""
        wanted = [n for n in names if n]
        if not wanted:
            yield lambda _task: None
            return
        with self._lock:
            for name, task in list(self._claimed.items()):
                if task is not None and self._task_done(task):
                    del self._claimed[name]
            taken = {n for n in wanted if n in self._claimed}
            if not taken:
                everyone = self._driver.list_instances(NAMES_CALLER)
                existing = {i.name: i.id for i in everyone if i.name in wanted}
                if existing:
                    name, other = next(iter(existing.items()))
                    raise Conflict(
                        f"an instance named {name!r} already exists ({other}); instance names are "
                        "unique on this server",
                        name=name,
                        instance=other,
                    )
            else:
                name = sorted(taken)[0]
                raise Conflict(
                    f"an instance named {name!r} is being created; instance names are unique on this server",
                    name=name,
                )
            for n in wanted:
                self._claimed[n] = None
        kept: list[str] = []
        try:
            yield kept.append
        finally:
            with self._lock:
                for n in wanted:
                    if kept:
                        self._claimed[n] = kept[-1]
                    else:
                        self._claimed.pop(n, None)
