"""Read the identifiers of an ISO 9660 image, the facts osinfo's media patterns match against.

Only the primary volume descriptor is read (a few KiB), so recognising a multi-GiB
installer is instant and never depends on the image being bootable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hearth.errors import NotFound, ValidationError

SECTOR = 2048
_FIRST_DESCRIPTOR = 16  # sectors 0-15 are the system area
_MAX_DESCRIPTORS = 32  # real images hold a handful before the set terminator
_TYPE_PRIMARY = 1
_TYPE_TERMINATOR = 255
_STANDARD_ID = b"CD001"


@dataclass(frozen=True, slots=True)
class IsoIdentity:
    """The primary volume descriptor's identifier fields, trailing padding removed."""

    volume_id: str | None
    system_id: str | None = None
    publisher_id: str | None = None
    application_id: str | None = None


def _field(pvd: bytes, start: int, end: int) -> str | None:
    # a-/d-characters are ASCII; latin-1 never fails on a stray byte.
    text = pvd[start:end].decode("latin-1").rstrip(" \x00")
    return text or None


def parse_primary_descriptor(pvd: bytes) -> IsoIdentity:
    """Identifiers from one 2048-byte primary volume descriptor (ECMA-119 8.4)."""
    return IsoIdentity(
        system_id=_field(pvd, 8, 40),
        volume_id=_field(pvd, 40, 72),
        publisher_id=_field(pvd, 318, 446),
        application_id=_field(pvd, 574, 702),
    )


def read_iso_identity(path: str | Path) -> IsoIdentity:
    """Find the primary volume descriptor of the image at ``path`` and return its identifiers."""
    iso = Path(path)
    try:
        with iso.open("rb") as fh:
            for index in range(_FIRST_DESCRIPTOR, _FIRST_DESCRIPTOR + _MAX_DESCRIPTORS):
                fh.seek(index * SECTOR)
                sector = fh.read(SECTOR)
                if len(sector) < SECTOR or sector[1:6] != _STANDARD_ID:
                    break
                if sector[0] == _TYPE_PRIMARY:
                    return parse_primary_descriptor(sector)
                if sector[0] == _TYPE_TERMINATOR:
                    break
    except FileNotFoundError as exc:
        raise NotFound(f"ISO image {iso} does not exist") from exc
    except IsADirectoryError as exc:
        raise ValidationError(f"ISO image {iso} is a directory, not a file") from exc
    except OSError as exc:
        raise ValidationError(f"cannot read ISO image {iso}: {exc.strerror or exc}") from exc
    raise ValidationError(f"{iso} is not an ISO 9660 image (no primary volume descriptor)")
