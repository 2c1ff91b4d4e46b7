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
