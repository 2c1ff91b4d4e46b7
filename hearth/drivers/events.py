"""What a backend reports as it happens: the typed event of the driver contract.

A backend that can tell when its guests change (libvirt's domain events, QMP events, the mock's
own timer) overrides ``Driver.watch`` and calls the sink with a ``DriverEvent`` for each change;
the service numbers, buffers, filters and fans them out (``hearth.service.events``). Events are
pushed, never found by polling: that is what lets a state change reach a subscriber within a
second without every subscriber reading every instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hearth.vocab.instance_states import InstanceState


class EventKind(StrEnum):
    """What changed; the ``event:`` field of the stream."""

    instance_state = "instance.state"
    """An instance entered ``state`` (``reason`` says why when the backend tells)."""
    instance_deleted = "instance.deleted"
    """An instance is gone (destroyed through Hearth or undefined behind its back)."""
    instance_device = "instance.device"
    """A NIC, removable medium or volume of an instance was added, changed or removed."""
    task_progress = "task.progress"
    """A task was queued, started, moved on, or finished (the service's own source)."""


@dataclass(frozen=True, slots=True)
class DriverEvent:
    """One change, as a backend saw it. ``owner_id`` decides who may see it (the ownership rule
    of ``hearth.drivers.caller``); None means the backend does not know the owner, and then only
    admins see it."""

    kind: EventKind
    subject_id: str
    """The instance's id (or the task's, for task events)."""
    owner_id: str | None
    state: InstanceState | None = None
    reason: str | None = None
    source: str = "driver"
    """Where it came from: the driver's name, or "tasks"."""
    time: float = field(default_factory=time.time)
    """When it happened (seconds since the epoch), which may be before it was delivered."""
    detail: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific facts (a task's status and progress, a device's kind and change)."""


EventSink = Callable[[DriverEvent], None]
"""Called by the backend from any of its threads; must not block (the hub only enqueues)."""
