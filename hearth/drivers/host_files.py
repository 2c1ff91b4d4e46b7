"""Files an admin names on the server's host (image imports): resolved, and regular files only."""

from __future__ import annotations

import os
from pathlib import Path

from hearth.errors import Forbidden, ValidationError

from .caller import Caller
from .resources import ImageImport


def host_file(label: str, given: str | None) -> Path | None:
    """The regular file ``given`` names, symlinks resolved (None stays None)."""
    if given is None:
        return None
    path = Path(os.path.realpath(given))
    if not path.is_file():
        raise ValidationError(f"{label} {given!r} is not a regular file on the server", **{label: given})
    return path


def import_files(caller: Caller, request: ImageImport) -> tuple[Path | None, Path | None, Path | None]:
    """Disk, kernel and initrd of an import, checked; only admins may name host files."""
    if not caller.is_admin:
        raise Forbidden("only an admin can add images")
    return (
        host_file("disk", request.disk),
        host_file("kernel", request.kernel),
        host_file("initrd", request.initrd),
    )
