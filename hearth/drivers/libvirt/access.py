"""Can QEMU reach this file? Checked on the host before libvirt is asked to start a guest.

libvirt runs QEMU as an unprivileged user (its DAC ``baselabel``, ``libvirt-qemu`` on Debian) and,
with ``dynamic_ownership`` (the default), hands each disk, kernel and ISO file to that user when the
guest starts — but it never changes the directories on the way. A file under a directory that user
cannot search (a 0700 home or state directory) therefore fails only at start, as a 502 after the
task ran. Checking the same rule up front turns that into a 400 naming the directory and the fix.
"""

from __future__ import annotations

import os
import pwd
import re
import stat
from dataclasses import dataclass
from pathlib import Path

QEMU_CONF = Path("/etc/libvirt/qemu.conf")
_DYNAMIC_OFF = re.compile(r"^\s*dynamic_ownership\s*=\s*0\s*$", re.MULTILINE)


@dataclass(frozen=True)
class QemuUser:
    """Who QEMU runs as on a host, and whether libvirt hands files to it when a guest starts."""

    uid: int
    gid: int
    groups: frozenset[int]
    name: str
    dynamic_ownership: bool = True

    @classmethod
    def of(cls, uid: int, gid: int, qemu_conf: Path = QEMU_CONF) -> QemuUser:
        try:
            name = pwd.getpwuid(uid).pw_name
            groups = frozenset(os.getgrouplist(name, gid))
        except KeyError:
            name, groups = str(uid), frozenset({gid})
        try:
            dynamic = not _DYNAMIC_OFF.search(qemu_conf.read_text(errors="replace"))
        except OSError:
            dynamic = True  # libvirt's default
        return cls(uid, gid, groups | {gid}, name, dynamic)

    def _may(self, st: os.stat_result, bit: int) -> bool:
        """``bit`` is 1 (x) or 4 (r); POSIX owner/group/other precedence, as the kernel does."""
        if self.uid == 0:
            return True
        mode = st.st_mode
        if st.st_uid == self.uid:
            return bool(mode & (bit << 6))
        if st.st_gid in self.groups:
            return bool(mode & (bit << 3))
        return bool(mode & bit)

    def problem(self, label: str, path: str) -> str | None:
        """Why QEMU could not open ``path`` (already resolved), or None when it can."""
        real = Path(path)
        for directory in reversed(real.parents):
            try:
                st = directory.stat()
            except OSError:
                return f"{label} {path!r}: directory {directory} cannot be read on this host"
            if not self._may(st, 1):
                return (
                    f"{label} {path!r} cannot be reached by QEMU, which runs as {self.name} "
                    f"(uid {self.uid}): it may not enter {directory} "
                    f"(mode {stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid}). Make it searchable "
                    f"(chmod o+x {directory}) or move the file into a storage pool or a media source"
                )
        if self.dynamic_ownership:
            return None  # libvirt gives the file itself to QEMU's user when the guest starts
        try:
            st = real.stat()
        except OSError:
            return f"{label} {path!r} cannot be read on this host"
        if not self._may(st, 4):
            return (
                f"{label} {path!r} cannot be opened by QEMU, which runs as {self.name} (uid {self.uid}) "
                f"with dynamic_ownership off: it may not read the file "
                f"(mode {stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid}); change its owner or mode"
            )
        return None
