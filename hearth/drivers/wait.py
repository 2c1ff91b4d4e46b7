"""Poll an instance until it settles, with a bounded wait instead of sleep-and-hope."""

from __future__ import annotations

import time

from hearth.errors import BackendError, BackendTimeout
from hearth.vocab.instance_states import InstanceState

from .base import Driver
from .caller import Caller
from .resources import Instance


def wait_for_state(
    driver: Driver,
    caller: Caller,
    instance_id: str,
    wanted: InstanceState | set[InstanceState],
    *,
    timeout: float = 60.0,
    interval: float = 0.02,
) -> Instance:
    """Return the instance once its state is ``wanted``; BackendTimeout after ``timeout`` seconds.

    Reaching ERROR while waiting for something else fails at once with the instance's reason.
    """
    targets = {wanted} if isinstance(wanted, InstanceState) else set(wanted)
    deadline = time.monotonic() + timeout
    while True:
        inst = driver.get_instance(caller, instance_id)
        if inst.state in targets:
            return inst
        if inst.state is InstanceState.ERROR:
            raise BackendError(
                f"instance {instance_id} went to ERROR while waiting for "
                f"{'/'.join(sorted(targets))}: {inst.state_reason or 'no reason given'}",
                instance=instance_id,
            )
        if time.monotonic() >= deadline:
            raise BackendTimeout(
                f"instance {instance_id} is still {inst.state.value} after {timeout:g}s "
                f"(waiting for {'/'.join(sorted(targets))})",
                instance=instance_id,
                state=inst.state.value,
            )
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)
