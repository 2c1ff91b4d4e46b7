"""Target device names (vda, sdb, hdc, fda…) allocated without gaps, per name prefix."""

from __future__ import annotations

from collections.abc import Iterable
from string import ascii_lowercase

from hearth.errors import ValidationError

# Buses sharing a prefix share one namespace (sata and scsi disks are both sdX).
BUS_PREFIX = {
    "virtio": "vd",
    "sata": "sd",
    "scsi": "sd",
    "usb": "sd",
    "ide": "hd",
    "fdc": "fd",
    "xen": "xvd",
    "sd": "mmcblk",
}
BUS_LIMIT = {"ide": 4, "fdc": 2}


def index_to_suffix(index: int) -> str:
    """0 → a, 25 → z, 26 → aa (libvirt's scheme)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = ascii_lowercase[rem] + out
    return out


def next_target(bus: str, used: Iterable[str]) -> str:
    """The first free name for ``bus`` given the targets already in use."""
    try:
        prefix = BUS_PREFIX[bus]
    except KeyError:
        raise ValidationError(f"no target naming rule for disk bus {bus!r}") from None
    taken = set(used)
    limit = BUS_LIMIT.get(bus, 26 * 27)
    for i in range(limit):
        name = f"{prefix}{i}" if prefix == "mmcblk" else prefix + index_to_suffix(i)
        if name not in taken:
            return name
    raise ValidationError(f"no free target left on the {bus} bus (at most {limit} devices)", bus=bus)
