"""Where the qemu driver keeps its files, and the lock that makes one process their manager.

Everything an instance needs lives under one state directory, so a new process pointed at it
finds the same guests::

    <state>/images/<image id>/      base disk, kernel, initrd of an image
    <state>/volumes/<volume id>.qcow2
    <state>/instances/<instance id>/ domain.xml (the saved design), disks, seed.iso
    <state>/staging/                uploads for import_image, until copied into an image
    <run>/<instance id>/            the QEMU runtime dir (QMP socket, pidfile, console log)

The runtime dirs hold unix sockets, whose paths are limited to 107 bytes, so they may live in a
separate, shorter ``run`` directory (default ``<state>/run``). Only one process may manage a
state directory at a time: two supervisors would fight over the same QMP sockets. An exclusive
``flock`` enforces that; the kernel drops it when its holder dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from hearth.errors import Conflict, ValidationError
from hearth.qemu.runtime import RuntimeDir

# Instance ids are uuid4 strings; the longest VM name the run dir must have room for.
_LONGEST_NAME = "0" * 36
LOCK_NAME = "qemu-driver.lock"


@dataclass(frozen=True)
class Layout:
    state: Path
    run: Path

    @classmethod
    def at(cls, state_dir: Path, run_dir: Path | None = None) -> Layout:
        state = Path(os.path.abspath(state_dir))
        run = Path(os.path.abspath(run_dir)) if run_dir is not None else state / "run"
        try:
            RuntimeDir(run, _LONGEST_NAME)
        except ValidationError:
            raise ValidationError(
                f"the qemu driver's run directory {str(run)!r} is too long for QEMU's monitor sockets; "
                "give a shorter run_dir",
                run_dir=str(run),
            ) from None
        return cls(state, run)

    @property
    def images(self) -> Path:
        return self.state / "images"

    @property
    def volumes(self) -> Path:
        return self.state / "volumes"

    @property
    def instances(self) -> Path:
        return self.state / "instances"

    @property
    def staging(self) -> Path:
        """Where uploads wait: outside ``images`` (whose files may be attached as media), on its
        file system, so moving them in is a rename."""
        return self.state / "staging"

    @property
    def networks(self) -> Path:
        """One directory per network's host side (its dnsmasq's files): ``hostnets``' record."""
        return self.state / "networks"

    def network_dir(self, bridge: str) -> Path:
        return self.networks / _safe(bridge)

    def image_dir(self, image_id: str) -> Path:
        return self.images / _safe(image_id)

    def instance_dir(self, instance_id: str) -> Path:
        return self.instances / _safe(instance_id)

    def volume_file(self, volume_id: str) -> Path:
        return self.volumes / f"{_safe(volume_id)}.qcow2"

    def prepare(self) -> None:
        for d in (self.state, self.images, self.volumes, self.instances, self.networks, self.run):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)


def _safe(ident: str) -> str:
    """Ids become path components; refuse anything that could climb out of its directory."""
    if not ident or ident in (".", "..") or "/" in ident or "\0" in ident:
        raise ValidationError(f"{ident!r} cannot name a file", id=ident)
    return ident


class StateLock:
    """An exclusive, non-blocking lock on the state directory for this process's lifetime."""

    def __init__(self, state: Path) -> None:
        self.path = state / LOCK_NAME
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise Conflict(
                f"the qemu state directory {str(state)!r} is managed by another process (pid {holder})",
                state_dir=str(state),
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
