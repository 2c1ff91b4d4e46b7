"""Waiting until an instance reaches a state: the one place ``--wait`` and ``hearth vm wait`` go.

It follows the server's event stream (``/v1/events``) rather than polling: it subscribes first,
then reads the instance once (so a change between the two cannot be missed), then waits for the
state on the stream; a stream that lost events (reset, dropped) is answered by reading again.
"""

from __future__ import annotations

import time
from typing import Any

from .events import follow
from .http import Api, ClientError
from .options import WAIT_TIMEOUT as DEFAULT_TIMEOUT

# States an instance is in: what `--state` accepts (the API's InstanceState).
STATES = ("PENDING", "RUNNING", "STOPPING", "STOPPED", "PAUSED", "FINISHED", "ERROR")
# Where waiting ends whatever was asked: the instance cannot get to another state from these.
DEAD_ENDS = frozenset({"ERROR", "FINISHED"})
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
    """The instance once it is in ``state``; ClientError when it lands in ERROR or FINISHED
    (unless that is what was asked for), disappears, or is still elsewhere after ``timeout``."""
    wanted = state.upper()
    if wanted not in STATES:
        raise ClientError(f"unknown state {state!r}; choose one of {', '.join(STATES)}")
    if timeout <= 0:
        raise ClientError(f"--timeout must be more than 0 seconds, not {timeout:g}")
    path = f"/v1/instances/{instance_id}"
    stream = follow(api, params={"instance_id": instance_id}, deadline=time.monotonic() + timeout)
    now = "unknown"
    try:
        next(stream)  # stream.open: subscribed, so nothing from here on is missed
        instance: dict[str, Any] = api.get(path)
        now = str(instance.get("state"))
        while now != wanted:
            if now in DEAD_ENDS:
                raise ClientError(f"instance {instance_id} went into {now} while waiting for {wanted}")
            kind, data = next(stream)
            if kind == "instance.deleted":
                raise ClientError(f"instance {instance_id} was deleted while waiting for {wanted}")
            if kind == "instance.state":
                now = str(data.get("state"))
            elif kind in ("stream.reset", "stream.dropped"):
                now = str(api.get(path).get("state"))
    except TimeoutError:
        still = f"instance {instance_id} is still {now} after {timeout:g}s (waited for {wanted})"
        raise ClientError(still) from None
    finally:
        stream.close()
    return dict(api.get(path))
