"""Secrets the server must read back (not hash), sealed with Fernet under a key in the state dir.

SigV4 signs with the secret itself, so the server needs it again at every request; a copy of the
database alone (a backup, a dump, a replica) must not give it away. The key lives in one file of
the state directory, never in the database: made on first use (0600, written whole before it
appears, so two processes racing to make it agree on one), and refused while anyone but its
owner could read or replace it. Several servers sharing one database need the same key file.

Each sealed value carries the label it was sealed for (an access key's id) and opens only under
that label, so a sealed secret copied into another row is no use there.

``cryptography`` is imported on first use (it is ~7 MiB of a server that stores no secret).
"""

from __future__ import annotations

import os
import secrets
import stat
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from hearth.errors import HearthError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

KEY_FILE = "secrets.key"
_MAX_KEY_FILE = 1024
_SEP = "\n"


class SecretBox:
    """Seal and open secrets with the key in ``path``, read (or made) on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fernet: Fernet | None = None

    @classmethod
    def in_state_dir(cls, state_dir: Path) -> SecretBox:
        return cls(state_dir / KEY_FILE)

    def seal(self, label: str, secret: str) -> str:
        if _SEP in label:
            raise ValueError("a label is one line")
        return self._key().encrypt(f"{label}{_SEP}{secret}".encode()).decode("ascii")

    def open(self, label: str, sealed: str) -> str:
        """The secret sealed for ``label``; HearthError when this key did not seal it for that."""
        from cryptography.fernet import InvalidToken

        try:
            plain = self._key().decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            plain = ""
        found, sep, secret = plain.partition(_SEP)
        if not sep or found != label:
            raise HearthError(
                f"the stored secret of {label} cannot be opened with the key in {self.path} "
                "(was the key file replaced, or the database copied from another server?)",
                label=label,
            )
        return secret

    def _key(self) -> Fernet:
        from cryptography.fernet import Fernet

        with self._lock:
            if self._fernet is None:
                try:
                    self._fernet = Fernet(_load_or_make(self.path))
                except OSError as exc:
                    raise _unusable(self.path, f"cannot be read or made: {exc.strerror}") from None
            return self._fernet


def _load_or_make(path: Path) -> bytes:
    from cryptography.fernet import Fernet

    try:
        return _load(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)  # appears whole, or not at all when another process was first
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
    return _load(path)


def _load(path: Path) -> bytes:
    from cryptography.fernet import Fernet

    fd = os.open(path, os.O_RDONLY)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _unusable(path, "is not a regular file")
        if info.st_uid != os.geteuid():
            raise _unusable(path, f"belongs to uid {info.st_uid}, not to the server's (uid {os.geteuid()})")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise _unusable(path, f"is mode {mode:04o}: only its owner may read it (chmod 600 {path})")
        data = os.read(fd, _MAX_KEY_FILE + 1)
    finally:
        os.close(fd)
    key = data.strip()
    try:
        Fernet(key)
    except ValueError:
        raise _unusable(path, "does not hold a Fernet key") from None
    return key


def _unusable(path: Path, why: str) -> HearthError:
    return HearthError(f"the key file for stored secrets {path} {why}", path=str(path))
