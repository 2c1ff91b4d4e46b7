"""The mock guest's serial console: a boot log written line by line as the instance changes state.

Deterministic: each line's ``[seconds]`` stamp counts the lines before it rather than reading a
clock, so the same history always gives the same text. Kept in ``mock_instances.console_log``
and trimmed to ``CONSOLE_OUTPUT_LIMIT`` bytes, like a real serial log read from its tail.
"""

from __future__ import annotations

from hearth.vocab.instance_states import InstanceState

from ..operations import CONSOLE_OUTPUT_LIMIT
from ..resources import Action
from .tables import MockInstance

KERNEL = "6.1.0-hearth-mock"


def _boot(row: MockInstance) -> list[str]:
    return [
        f"Linux version {KERNEL} (hearth@mock) (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC",
        "Command line: console=ttyS0 root=/dev/vda1 ro",
        f"hearth-mock: instance {row.id} ({row.name}) image {row.image_id or row.template_id} "
        f"profile {row.hwp_id} realm {row.realm_id}",
        "Run /sbin/init as init process",
        f"{row.name} login: ",
    ]


_LINES: dict[Action, list[str]] = {
    Action.stop: ["systemd-shutdown[1]: Syncing filesystems and block devices.", "reboot: Power down"],
    Action.reboot: [
        "systemd-shutdown[1]: Syncing filesystems and block devices.",
        "reboot: Restarting system",
    ],
    Action.suspend: ["hearth-mock: guest paused"],
    Action.resume: ["hearth-mock: guest resumed"],
}


def record(row: MockInstance, action: Action | None, target: InstanceState) -> None:
    """Append what the guest prints on ``action`` (None: created) to the row's console log."""
    lines = list(_LINES.get(action, [])) if action is not None else []
    if target in (InstanceState.RUNNING, InstanceState.PENDING) and action in (
        None,
        Action.start,
        Action.reboot,
    ):
        lines += _boot(row)
    if not lines:
        return
    log = row.console_log or ""
    count = log.count("\n")
    log += "".join(f"[{count + i:5d}.000000] {line}\n" for i, line in enumerate(lines))
    data = log.encode()
    if len(data) > CONSOLE_OUTPUT_LIMIT:
        log = data[-CONSOLE_OUTPUT_LIMIT:].decode(errors="ignore")
    row.console_log = log
