"""When a volume may be attached or deleted: one rule set and one wording for every driver.

Each backend learns the facts its own way (store row, host definitions, QMP); the decisions and
the errors users see must not differ between them.
"""

from __future__ import annotations

from hearth.errors import Conflict, InvalidState, ValidationError
from hearth.vocab.instance_states import InstanceState

from .row_models import AttachedVolumeRow

# A disk can be hot-plugged into a running guest or cold-plugged into a stopped one.
ATTACHABLE = frozenset({InstanceState.RUNNING, InstanceState.STOPPED})


def check_deletable(volume_id: str, attached: tuple[str, str | None] | None, snapshots: int) -> None:
    """Refuse to delete a volume still attached (to instance, at device) or still snapshotted."""
    if attached is not None:
        instance, device = attached
        raise Conflict(
            f"volume {volume_id} is attached to instance {instance} as {device}; detach it first",
            volume=volume_id,
            instance=instance,
        )
    if snapshots:
        raise Conflict(f"volume {volume_id} has {snapshots} snapshot(s); delete them first", volume=volume_id)


def check_same_owner(volume_owner: str, instance_owner: str) -> None:
    if instance_owner != volume_owner:
        raise ValidationError("a volume can only be attached to an instance of the same owner")


def check_not_attached(volume_id: str, attached_to: str | None) -> None:
    if attached_to is not None:
        raise Conflict(f"volume {volume_id} is already attached to instance {attached_to}", volume=volume_id)


def check_instance_state(instance_id: str, state: InstanceState) -> None:
    if state not in ATTACHABLE:
        raise InvalidState(
            f"cannot attach a volume to instance {instance_id} while it is {state.value}; "
            "it must be RUNNING or STOPPED",
            instance=instance_id,
            state=state.value,
        )


def check_row_deletable(row: AttachedVolumeRow, snapshots: int) -> None:
    """``check_deletable`` for a volume whose row records its own attachment."""
    attached = (row.instance_id, row.device) if row.instance_id is not None else None
    check_deletable(row.id, attached, snapshots)
