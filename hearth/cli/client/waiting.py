"""Waiting until an instance reaches a state: the one place ``--wait`` and ``hearth vm wait`` go.

It polls ``GET /v1/instances/{id}`` today. An event stream (``/v1/events``) is being built;
when it lands, only ``wait_for_state`` changes, every command keeps calling it the same way.
"""

from __future__ import annotations

import time
from typing import Any

from .http import Api, ClientError
from .options import WAIT_TIMEOUT as DEFAULT_TIMEOUT

POLL_SECONDS = 0.2
# States an instance is in: what `--state` accepts (the API's InstanceState).
STATES = ("PENDING", "RUNNING", "STOPPING", "STOPPED", "PAUSED", "FINISHED", "ERROR")
# Where each action leads once it has done its work.
ACTION_TARGETS = {
    "start": "RUNNING",
    "stop": "STOPPED",
    "poweroff": "STOPPED",
    "reboot": "RUNNING",
    "suspend": "PAUSED",
    "resume": "RUNNING",
}


def wait_for_state(
    api: Api, instance_id: str, state: str, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The instance once it is in ``state``; ClientError when it lands in ERROR (unless that is
    what was asked for), disappears, or is still elsewhere after ``timeout`` seconds."""
    wanted = state.upper()
    if wanted not in STATES:
        raise ClientError(f"unknown state {state!r}; choose one of {', '.join(STATES)}")
    if timeout <= 0:
        raise ClientError(f"--timeout must be more than 0 seconds, not {timeout:g}")
    deadline = time.monotonic() + timeout
    while True:
        instance: dict[str, Any] = api.get(f"/v1/instances/{instance_id}")
        now = str(instance.get("state"))
        if now == wanted:
            return instance
        if now == "ERROR":
            raise ClientError(f"instance {instance_id} went into ERROR while waiting for {wanted}")
        if time.monotonic() >= deadline:
            raise ClientError(
                f"instance {instance_id} is still {now} after {timeout:g}s (waited for {wanted})"
            )
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
