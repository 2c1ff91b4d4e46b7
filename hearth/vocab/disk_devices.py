"""What a libvirt ``<disk device>`` is, split by whether its medium can change.

``RemovableType`` drives (cdrom, floppy) take media in and out (the disks sub-collection of an
instance); ``FixedDiskDevice`` ones are the guest's disks. Together they are libvirt's closed set
(``DiskDevice``), which ``hearth.domain`` writes and listings report.
"""

from __future__ import annotations

from enum import StrEnum


class FixedDiskDevice(StrEnum):
    disk = "disk"
    lun = "lun"


class RemovableType(StrEnum):
    cdrom = "cdrom"
    floppy = "floppy"


DiskDevice = FixedDiskDevice | RemovableType
ALL_DISK_DEVICES: tuple[DiskDevice, ...] = (
    FixedDiskDevice.disk,
    RemovableType.cdrom,
    RemovableType.floppy,
    FixedDiskDevice.lun,
)

# The devices whose medium can change (a ``<disk device>`` as read is a plain string).
REMOVABLE: frozenset[str] = frozenset(RemovableType)
_BY_VALUE: dict[str, DiskDevice] = {device.value: device for device in ALL_DISK_DEVICES}


def disk_device(device: str | None) -> DiskDevice:
    """The member of a ``<disk device>`` as read, where an absent one is libvirt's default, a disk."""
    try:
        return _BY_VALUE[device or FixedDiskDevice.disk]
    except KeyError:
        raise ValueError(f"{device!r} is not a disk device (one of {', '.join(_BY_VALUE)})") from None
