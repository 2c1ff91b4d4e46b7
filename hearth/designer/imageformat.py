"""Recognise a disk image's format from its header, as QEMU would, without running qemu-img.

Only magic numbers decide: a file with no known magic is raw. That is QEMU's own rule and
the only safe one (trusting an extension would let a raw guest disk be opened as qcow2).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from hearth.errors import ValidationError

HEADER_BYTES = 0x8006  # enough for the ISO 9660 signature at 0x8001

FILE_FORMATS = ("qcow2", "raw", "vmdk", "vdi", "vhdx", "qed", "vpc", "qcow", "iso")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    path: str
    kind: str  # "file" or "block"
    format: str  # qemu driver type: qcow2, raw, vmdk, vdi, vhdx, qed, vpc, qcow
    is_iso: bool = False
    size: int = 0


def sniff(header: bytes) -> tuple[str, bool]:
    """(driver type, looks like ISO 9660) for the first HEADER_BYTES of an image."""
    if header[:4] == b"QFI\xfb":
        version = int.from_bytes(header[4:8], "big")
        return ("qcow" if version == 1 else "qcow2"), False
    if header[:4] == b"QED\x00":
        return "qed", False
    if header[:4] == b"KDMV" or header[:4] == b"COWD" or header.startswith(b"# Disk DescriptorFile"):
        return "vmdk", False
    if len(header) >= 0x44 and header[0x40:0x44] == b"\x7f\x10\xda\xbe":
        return "vdi", False
    if header[:8] == b"vhdxfile":
        return "vhdx", False
    if header[:8] == b"conectix":
        return "vpc", False
    return "raw", header[0x8001:0x8006] == b"CD001"


def inspect(path: str | os.PathLike[str]) -> ImageInfo:
    """Open ``path`` read-only and describe it; refuse what is missing, unreadable or not a disk."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ValidationError(f"disk image {str(p)!r} does not exist", path=str(p)) from None
    except OSError as exc:
        raise ValidationError(
            f"disk image {str(p)!r} cannot be examined: {exc.strerror}", path=str(p)
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise ValidationError(
            f"disk image {str(p)!r} is a directory, not a file or block device", path=str(p)
        )
    kind = "block" if stat.S_ISBLK(st.st_mode) else "file"
    if kind == "file" and not stat.S_ISREG(st.st_mode):
        raise ValidationError(f"disk image {str(p)!r} is not a regular file or block device", path=str(p))
    try:
        with open(p, "rb") as fh:
            header = fh.read(HEADER_BYTES)
    except OSError as exc:
        raise ValidationError(f"disk image {str(p)!r} is not readable: {exc.strerror}", path=str(p)) from None
    fmt, is_iso = sniff(header)
    return ImageInfo(str(p.absolute()), kind, fmt, is_iso, st.st_size)
