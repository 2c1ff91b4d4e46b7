"""Mount an NFS export read-only under the server's state dir, and unmount it again.

The server and export come from an admin but still end up in a command line, so both are
checked to be plain values: they are passed as separate argv items (no shell), a leading '-'
or an option separator can never turn them into options, and the options are fixed here.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from hearth.errors import BackendError, BackendTimeout, ValidationError

# Read-only, and nothing on the export may become a device, a setuid binary or run from it.
MOUNT_OPTIONS = ("ro", "nosuid", "nodev", "noexec", "soft", "timeo=100", "retrans=2")
MOUNT_TIMEOUT = 60.0
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_EXPORT = re.compile(r"^/[A-Za-z0-9._/+@=~-]*$")


def check_server(server: str) -> str:
    """An IP address or a DNS name; IPv6 comes back bracketed as mount.nfs expects."""
    value = server.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.fullmatch(value):
            raise ValidationError(f"NFS server {server[:80]!r} is not a host name or IP address") from None
        return value
    return f"[{addr}]" if addr.version == 6 else str(addr)


def check_export(export: str) -> str:
    """An absolute export path of plain characters, without '..'."""
    if not _EXPORT.fullmatch(export) or ".." in export.split("/") or len(export) > 1024:
        raise ValidationError(
            f"NFS export {export[:80]!r} must be an absolute path of letters, digits "
            "and ._/+@=~- without '..'"
        )
    return export


def mount_command(server: str, export: str, mountpoint: str | os.PathLike[str]) -> list[str]:
    """The argv that mounts ``server:export`` read-only at ``mountpoint``."""
    return [
        "mount",
        "-t",
        "nfs",
        "-o",
        ",".join(MOUNT_OPTIONS),
        f"{check_server(server)}:{check_export(export)}",
        str(mountpoint),
    ]


def umount_command(mountpoint: str | os.PathLike[str]) -> list[str]:
    return ["umount", str(mountpoint)]


def is_mounted(mountpoint: str | os.PathLike[str]) -> bool:
    """Whether something is mounted exactly at ``mountpoint`` (per /proc/self/mountinfo)."""
    target = os.path.realpath(mountpoint)
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return os.path.ismount(target)
    for line in lines:
        fields = line.split()
        # Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
        if len(fields) > 4 and _unescape(fields[4]) == target:
            return True
    return False


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _run(argv: Sequence[str], what: str) -> None:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=MOUNT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise BackendError(f"cannot {what}: the {argv[0]!r} program is not installed") from None
    except subprocess.TimeoutExpired:
        raise BackendTimeout(f"{what} did not finish within {MOUNT_TIMEOUT:.0f}s") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise BackendError(
            f"{what} failed (exit {done.returncode}): {reason[0] if reason else 'no message'}",
            exit_code=done.returncode,
            output=" | ".join(reason[:5]),
        )


def mount(server: str, export: str, mountpoint: str | os.PathLike[str]) -> Path:
    """Mount the export at ``mountpoint`` (created if needed); a failed mount leaves no directory behind."""
    argv = mount_command(server, export, mountpoint)  # validates before anything is touched
    point = Path(mountpoint)
    created = not point.exists()
    point.mkdir(parents=True, exist_ok=True)
    if is_mounted(point):
        raise BackendError(f"{point} already has something mounted on it")
    try:
        _run(argv, f"mounting NFS export {argv[-2]}")
    except BaseException:
        if created:
            point.rmdir()
        raise
    return point


def unmount(mountpoint: str | os.PathLike[str]) -> None:
    """Unmount (when mounted) and remove the mount point; idempotent so a source can always be deleted."""
    point = Path(mountpoint)
    if is_mounted(point):
        _run(umount_command(point), f"unmounting {point}")
    if point.is_dir():
        point.rmdir()  # refuses if files are there: then it was never just a mount point
