"""The guest device names requests may give: libvirt's target names (vda, sdb, hdc, xvdd, fda).

A volume attaches as one of the first 26 names of a disk prefix; a removable drive is also
named by the two-letter forms a guest with many drives has, and floppies by ``fdX``.
"""

from __future__ import annotations

# The target name prefixes of disks: virtio, SCSI/SATA/USB, IDE, Xen.
DISK_PREFIXES = ("vd", "sd", "hd", "xvd")
_PREFIX = "(" + "|".join(DISK_PREFIXES) + ")"
DISK_PREFIX_PATTERN = f"^{_PREFIX}"
VOLUME_DEVICE_PATTERN = rf"^{_PREFIX}[a-z]$"
DISK_DEV_PATTERN = rf"^({_PREFIX}[a-z]{{1,2}}|fd[a-z])$"
