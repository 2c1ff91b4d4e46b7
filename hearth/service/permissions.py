"""The server's files are its own: the state directory 0700, the database and generated files 0600.

``hearth serve`` calls ``secure_state`` before it opens anything. What is too open is fixed and
reported (one line each); what cannot be fixed — a state directory or database owned by another
user, a chmod the file system refuses — stops the start with a message naming it. Two subtrees are
left to their owners: ``libvirt/`` (seeds and disks the hypervisor, running as another user, must
read) and ``media/`` (install media QEMU reads); for the libvirt driver the state directory itself
is 0711, so that user can reach them without listing anything.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hearth.errors import ValidationError

SHARED_SUBTREES = ("libvirt", "media")
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def secure_state(state_dir: Path, sqlite_db: Path | None, *, hypervisor_traverses: bool = False) -> list[str]:
    """Tighten modes under ``state_dir`` (and of the SQLite files); returns what was changed."""
    notes: list[str] = []
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    dir_mode = 0o711 if hypervisor_traverses else 0o700
    _own(state_dir, "state directory")
    _tighten(state_dir, dir_mode, "state directory", notes, add=dir_mode & 0o011)
    for path in _generated(state_dir):
        if path.is_dir():
            _tighten(path, 0o700, "directory", notes)
        else:
            _tighten(path, 0o600, "file", notes)
    if sqlite_db is not None:
        for suffix in SQLITE_SUFFIXES:
            path = sqlite_db.with_name(sqlite_db.name + suffix)
            if path.exists():
                _own(path, "database file")
                _tighten(path, 0o600, "database file", notes)
    return notes


def _generated(state_dir: Path) -> list[Path]:
    """Regular files and directories below the state directory, outside the shared subtrees."""
    found: list[Path] = []
    for root, dirs, files in os.walk(state_dir):
        here = Path(root)
        if here == state_dir:
            dirs[:] = [d for d in dirs if d not in SHARED_SUBTREES]
        found += [here / d for d in dirs if not (here / d).is_symlink()]
        found += [here / f for f in files if stat.S_ISREG((here / f).lstat().st_mode)]
    return found


def _own(path: Path, what: str) -> None:
    owner = path.stat().st_uid
    if owner != os.geteuid():
        raise ValidationError(
            f"{what} {path} belongs to uid {owner}, not to the user the server runs as "
            f"(uid {os.geteuid()}); give it to that user (chown) or choose another --state-dir",
            path=str(path),
        )


def _tighten(path: Path, wanted: int, what: str, notes: list[str], add: int = 0) -> None:
    mode = stat.S_IMODE(path.lstat().st_mode)
    # Only group and other bits beyond ``wanted`` count (the owner's bits are the owner's), and
    # ``add``: the search bits the hypervisor's user needs.
    fixed = (mode & ~(mode & 0o077 & ~wanted)) | add
    if fixed == mode:
        return
    try:
        os.chmod(path, fixed)
    except OSError as exc:
        raise ValidationError(
            f"{what} {path} is mode {mode:04o} and cannot be made {fixed:04o}: {exc.strerror}",
            path=str(path),
        ) from None
    notes.append(f"{what} {path} was mode {mode:04o}; now {fixed:04o}")
