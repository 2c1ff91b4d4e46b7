"""Instances TerminateInstances took down, still shown as ``terminated`` for an hour.

EC2 keeps a terminated instance visible for about an hour, and clients rely on it: boto3's
``instance_terminated`` waiter and ``aws ec2 wait`` poll DescribeInstances until they see the
state, which they never would if the instance simply vanished. Hearth destroys the instance; the
frontend keeps its last view here (this process's memory: a restarted server forgets them
early, which a waiter survives as a not-found). While the stop and destroy run, the instance
shows ``shutting-down``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from hearth.drivers import Caller
from hearth.drivers.resources import Instance

KEPT_FOR: Final = timedelta(hours=1)


@dataclass(frozen=True)
class Gone:
    instance: Instance
    tags: Mapping[str, str]  # as they were: the destroy drops the stored ones
    owner: str
    since: datetime
    finished: bool  # destroyed (terminated), or still shutting down


class Terminations:
    def __init__(self, kept_for: timedelta = KEPT_FOR) -> None:
        self._kept_for = kept_for
        self._gone: dict[str, Gone] = {}  # Hearth instance id →
        self._lock = threading.Lock()

    def begin(self, instance: Instance, tags: Mapping[str, str]) -> None:
        with self._lock:
            self._gone[instance.id] = Gone(instance, tags, instance.owner_id, datetime.now(UTC), False)

    def finish(self, instance_id: str) -> None:
        with self._lock:
            gone = self._gone.get(instance_id)
            if gone is not None:
                self._gone[instance_id] = Gone(gone.instance, gone.tags, gone.owner, datetime.now(UTC), True)

    def fail(self, instance_id: str) -> None:
        """The stop or destroy failed: the instance is what Hearth says it is again."""
        with self._lock:
            self._gone.pop(instance_id, None)

    def get(self, instance_id: str) -> Gone | None:
        with self._lock:
            return self._gone.get(instance_id)

    def visible(self, caller: Caller) -> list[Gone]:
        """The caller's terminated and terminating instances, dropping those past their hour."""
        now = datetime.now(UTC)
        with self._lock:
            for key in [k for k, g in self._gone.items() if g.finished and now - g.since > self._kept_for]:
                del self._gone[key]
            return [g for g in self._gone.values() if caller.is_admin or g.owner == caller.user_id]
