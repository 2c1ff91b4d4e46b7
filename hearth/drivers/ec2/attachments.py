"""What ties a volume or an address to an instance, read and undone: the volumes part attaches
and detaches, and terminating an instance lets go of its volumes and addresses first so they
outlive it, as on every backend.

A Hearth device name (``vdb``) is EC2's ``/dev/sdb``; the row keeps the name the caller chose.
"""

from __future__ import annotations

import time
from typing import Any

from hearth.errors import BackendTimeout

from .context import EVERYONE, Ec2Context, Kind

# Attachment states in which the volume is still held by its instance.
HELD = ("attaching", "attached", "busy", "detaching")


def ec2_device(device: str) -> str:
    """EC2's name for a Hearth device: ``sdX``/``xvdX`` as they are, ``vdX``/``hdX`` as ``sdX``."""
    if device.startswith(("sd", "xvd")):
        return f"/dev/{device}"
    return f"/dev/sd{device[2:]}"


def attachment(item: dict[str, Any]) -> dict[str, Any] | None:
    """The attachment holding a DescribeVolumes item (None: the volume is free)."""
    for a in item.get("Attachments") or []:
        if a.get("State") in HELD:
            return dict(a)
    return None


def volume_item(context: Ec2Context, volume_id: str) -> dict[str, Any]:
    found = context.cloud.call(f"reading volume {volume_id}", "describe_volumes", VolumeIds=[volume_id])
    return dict(found["Volumes"][0])


def detach(context: Ec2Context, volume_id: str, attached: dict[str, Any]) -> dict[str, Any]:
    """DetachVolume naming the attachment fully (optional on AWS, needed by some endpoints),
    then wait (bounded) until EC2 says the volume is available again; its item then."""
    context.cloud.call(
        f"detaching volume {volume_id}",
        "detach_volume",
        VolumeId=volume_id,
        InstanceId=attached["InstanceId"],
        Device=attached["Device"],
    )
    deadline = time.monotonic() + context.config.wait_seconds
    delay = 0.05
    while True:
        item = volume_item(context, volume_id)
        if attachment(item) is None:
            return item
        if time.monotonic() >= deadline:
            raise BackendTimeout(
                f"volume {volume_id} is still detaching after {context.config.wait_seconds:g}s",
                volume=volume_id,
            )
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _held_by(context: Ec2Context, kind: Kind, what: str, instance_id: str) -> list[dict[str, Any]]:
    """The Hearth ``kind`` objects (volume, address) tied to an instance, as EC2 describes them.
    Only objects Hearth holds are asked for: a cloud without them (a Hearth /ec2 on libvirt has
    no Elastic IPs) is never asked."""
    operation, key, id_filter, on_filter = _HELD_BY[kind]
    ids = list(context.rows_by_id(kind, EVERYONE))
    if not ids:
        return []
    on_it = {"Name": on_filter, "Values": [instance_id]}
    return context.cloud.by_ids(f"listing {what}", operation, key, id_filter, ids, on_it)


# kind → (Describe action, its list key, its id filter, its instance filter)
_HELD_BY: dict[Kind, tuple[str, str, str, str]] = {
    Kind.volume: ("describe_volumes", "Volumes", "volume-id", "attachment.instance-id"),
    Kind.address: ("describe_addresses", "Addresses", "allocation-id", "instance-id"),
}


def detach_all(context: Ec2Context, instance_id: str) -> None:
    """Detach the Hearth volumes of an instance about to be terminated (its root disk is not
    one: EC2 made it and deletes it with the instance)."""
    for item in _held_by(context, Kind.volume, "volumes", instance_id):
        attached = attachment(item)
        if attached is not None:
            detach(context, item["VolumeId"], attached)


def disassociate_all(context: Ec2Context, instance_id: str) -> None:
    """Let go of the Hearth addresses of an instance about to be terminated (they outlive it)."""
    for item in _held_by(context, Kind.address, "addresses", instance_id):
        if item.get("AssociationId"):
            context.cloud.call(
                f"disassociating address {item.get('AllocationId')}",
                "disassociate_address",
                AssociationId=item["AssociationId"],
            )
