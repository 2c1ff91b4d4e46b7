"""Tell what a medium is from its first bytes and its size, never from its name.

One buffer of ``HEAD_BYTES`` (the boot sector, the ISO system area and the first volume
descriptors) answers everything, so a local file costs one read and a remote one a single
Range request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hearth.designer.imageformat import sniff

SECTOR = 2048
_FIRST_DESCRIPTOR = 16
_DESCRIPTORS_READ = 8  # PVD, boot record, supplementary ones and the terminator fit in these
HEAD_BYTES = (_FIRST_DESCRIPTOR + _DESCRIPTORS_READ) * SECTOR
_EL_TORITO = b"EL TORITO SPECIFICATION"
# Floppy geometries QEMU's floppy drive accepts that installers actually ship on.
FLOPPY_SIZES = {737_280: "720K", 1_474_560: "1.44M", 2_949_120: "2.88M"}


class MediaType(enum.StrEnum):
    iso = "iso"  # ISO 9660 CD/DVD image
    vfd = "vfd"  # floppy image
    img = "img"  # hard-disk image (qcow2, raw with a partition table, ...)


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What the content says; ``size`` is the whole object's size in bytes."""

    type: MediaType
    size: int
    format: str  # qemu driver type: raw for iso/vfd
    bootable: bool | None = None  # None: the format does not say
    volume_id: str | None = None
    system_id: str | None = None
    publisher_id: str | None = None
    application_id: str | None = None
    floppy: str | None = None  # geometry label for vfd


def _text(block: bytes, start: int, end: int) -> str | None:
    return block[start:end].decode("latin-1").rstrip(" \x00") or None


def _iso(head: bytes, size: int) -> MediaFacts | None:
    """ECMA-119 volume descriptors: the primary one gives the ids, an El Torito boot record bootability."""
    primary: bytes | None = None
    bootable = False
    for index in range(_FIRST_DESCRIPTOR, _FIRST_DESCRIPTOR + _DESCRIPTORS_READ):
        sector = head[index * SECTOR : (index + 1) * SECTOR]
        if len(sector) < SECTOR or sector[1:6] != b"CD001":
            break
        kind = sector[0]
        if kind == 0 and sector[7 : 7 + len(_EL_TORITO)] == _EL_TORITO:
            bootable = True
        elif kind == 1 and primary is None:
            primary = sector
        elif kind == 255:
            break
    if primary is None:
        return None
    blocks = int.from_bytes(primary[80:84], "little")
    block_size = int.from_bytes(primary[128:130], "little") or SECTOR
    return MediaFacts(
        type=MediaType.iso,
        size=size or blocks * block_size,
        format="raw",
        bootable=bootable,
        system_id=_text(primary, 8, 40),
        volume_id=_text(primary, 40, 72),
        publisher_id=_text(primary, 318, 446),
        application_id=_text(primary, 574, 702),
    )


def _boot_signature(head: bytes) -> bool:
    return head[510:512] == b"\x55\xaa"


def _fat_boot_sector(head: bytes) -> bool:
    # A jump instruction then 512 bytes per sector in the BIOS parameter block.
    return len(head) >= 13 and head[0] in (0xEB, 0xE9) and int.from_bytes(head[11:13], "little") == 512


def classify(head: bytes, size: int) -> MediaFacts | None:
    """The medium's type and identity, or None when the content is not a recognised medium."""
    fmt, is_iso = sniff(head)
    if is_iso:
        facts = _iso(head, size)
        if facts is not None:
            return facts
    if fmt != "raw":
        return MediaFacts(type=MediaType.img, size=size, format=fmt)
    if size in FLOPPY_SIZES and (_boot_signature(head) or _fat_boot_sector(head)):
        return MediaFacts(
            type=MediaType.vfd,
            size=size,
            format="raw",
            bootable=_boot_signature(head),
            floppy=FLOPPY_SIZES[size],
        )
    if _boot_signature(head) or head[512:520] == b"EFI PART":
        return MediaFacts(type=MediaType.img, size=size, format="raw", bootable=_boot_signature(head))
    return None
