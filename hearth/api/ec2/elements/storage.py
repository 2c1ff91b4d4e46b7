"""Volumes, their attachments and snapshots as EC2 shows them.

EC2 names devices ``/dev/sdf``; Hearth's are bare (``vdb``), so the ``/dev/`` is added here and
taken off again when a client names one.
"""

from __future__ import annotations

from collections.abc import Mapping

from hearth.drivers.resources import Snapshot, SnapshotState, Volume, VolumeState

from ..ids import IdMap, Kind
from ..render import Value
from ..tags import tag_set

DEV: str = "/dev/"
VOLUME_STATES = {VolumeState.AVAILABLE: "available", VolumeState.IN_USE: "in-use"}
SNAPSHOT_STATES = {SnapshotState.PENDING: "pending", SnapshotState.AVAILABLE: "completed"}


def attachment(volume: Volume, ids: IdMap, status: str = "attached") -> dict[str, Value]:
    assert volume.instance is not None
    return {
        "volumeId": ids.ec2(Kind.volume, volume.id),
        "instanceId": ids.ec2(Kind.instance, volume.instance),
        "device": DEV + volume.device if volume.device else None,
        "status": status,
        "attachTime": volume.created,
        "deleteOnTermination": False,
    }


def volume_body(volume: Volume, ids: IdMap, tags: Mapping[str, str]) -> dict[str, Value]:
    """The ``Volume`` element (CreateVolume answers it at the top level)."""
    return {
        "volumeId": ids.ec2(Kind.volume, volume.id),
        "size": volume.capacity_gb,
        "snapshotId": "",
        "availabilityZone": volume.realm,
        "status": VOLUME_STATES[volume.state],
        "createTime": volume.created,
        "attachmentSet": [attachment(volume, ids)] if volume.instance else [],
        "volumeType": "standard",
        "encrypted": False,
        "multiAttachEnabled": False,
        "tagSet": tag_set(tags),
    }


def snapshot_body(
    snapshot: Snapshot, ids: IdMap, tags: Mapping[str, str], size: int | None, description: str = ""
) -> dict[str, Value]:
    completed = snapshot.state is SnapshotState.AVAILABLE
    return {
        "snapshotId": ids.ec2(Kind.snapshot, snapshot.id),
        "volumeId": ids.ec2(Kind.volume, snapshot.volume),
        "status": SNAPSHOT_STATES[snapshot.state],
        "startTime": snapshot.created,
        "progress": "100%" if completed else "0%",
        "ownerId": snapshot.owner_id,
        "volumeSize": size,
        "description": description,
        "encrypted": False,
        "tagSet": tag_set(tags),
    }
