"""What the OS database was built from, summed up cheaply enough to check on every start.

The cache is only as good as its key: it must change whenever libosinfo would read different
data. So the key covers every file below every directory libosinfo would read (path, size,
mtime, inode), found the way libosinfo 1.10 finds them, plus the code that converts the data.
That includes the local database (/etc/osinfo), where scripts/import-osinfo-db.sh puts a
current osinfo-db: an import there must rebuild the cache. Walking the ~1000 entries of one
database takes about 3 ms, which is why no coarser shortcut (package database mtimes,
VERSION files) is used.

Limit: like make, an edit that keeps a file's size and lands within the same timestamp tick
(and the same inode) goes unnoticed; editors that write a new file get a new inode.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

# libosinfo's compiled-in defaults (DATA_DIR, SYS_CONF_DIR, PCI_IDS, USB_IDS on Debian).
_SYSTEM_DIR = "/usr/share/osinfo"
_LOCAL_DIRS = ("/etc/osinfo", "/etc/libosinfo/db")
_ID_FILES = ("/usr/share/misc/pci.ids", "/usr/share/misc/usb.ids")
_CODE_DIR = Path(__file__).resolve().parent


def _user_config_dir() -> Path:
    """GLib's g_get_user_config_dir: $XDG_CONFIG_HOME, else ~/.config."""
    configured = os.environ.get("XDG_CONFIG_HOME")
    return Path(configured) if configured else Path(os.path.expanduser("~")) / ".config"


def default_roots() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(directories, single files) libosinfo's default path loading may read.

    Where libosinfo falls back from a new location to a deprecated one, both are listed:
    summing an absent directory costs nothing and over-listing only costs a rebuild.
    """
    system = os.environ.get("OSINFO_DATA_DIR") or os.environ.get("OSINFO_SYSTEM_DIR") or _SYSTEM_DIR
    local_env = os.environ.get("OSINFO_LOCAL_DIR")
    local = (local_env,) if local_env else _LOCAL_DIRS
    user_env = os.environ.get("OSINFO_USER_DIR")
    config = _user_config_dir()
    user = (user_env,) if user_env else (str(config / "osinfo"), str(config / "libosinfo" / "db"))
    return (system, *local, *user), _ID_FILES


def _stat_line(kind: str, path: str, st: os.stat_result) -> bytes:
    return f"{kind}\0{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode("utf-8", "surrogateescape")


def _walk(root: str, out: list[bytes], seen: set[tuple[int, int]]) -> None:
    """Sum a directory tree in a stable order, following symlinks as libosinfo does, loops cut."""
    try:
        with os.scandir(root) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        out.append(f"E\0{root}\0{exc.errno}\n".encode("utf-8", "surrogateescape"))
        return
    for entry in entries:
        try:
            st = entry.stat()
        except OSError as exc:  # dangling symlink, vanished file
            out.append(f"E\0{entry.path}\0{exc.errno}\n".encode("utf-8", "surrogateescape"))
            continue
        if entry.is_dir():
            out.append(_stat_line("D", entry.path, st))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                _walk(entry.path, out, seen)
        else:
            out.append(_stat_line("F", entry.path, st))


def _add_path(path: str, out: list[bytes], seen: set[tuple[int, int]]) -> None:
    try:
        st = os.stat(path)
    except OSError as exc:
        out.append(f"A\0{path}\0{exc.errno}\n".encode("utf-8", "surrogateescape"))
        return
    if stat.S_ISDIR(st.st_mode):
        out.append(_stat_line("R", path, st))
        seen.add((st.st_dev, st.st_ino))
        _walk(path, out, seen)
    else:
        out.append(_stat_line("F", path, st))


def source_key(dirs: Iterable[str]) -> str:
    """Names the data source (not its content), so a rebuilt cache can replace its predecessors."""
    return hashlib.sha256("\0".join(dirs).encode("utf-8", "surrogateescape")).hexdigest()


def fingerprint(dirs: Iterable[str], files: Iterable[str], salt: str) -> str:
    """Hex digest over ``salt``, the code of this package and every file under ``dirs`` and ``files``."""
    out: list[bytes] = [salt.encode(), b"\n"]
    seen: set[tuple[int, int]] = set()
    for code in sorted(_CODE_DIR.glob("*.py")):
        _add_path(str(code), out, seen)
    out.append(b"--dirs\n")
    for path in dirs:
        _add_path(path, out, seen)
    out.append(b"--files\n")
    for path in files:
        _add_path(path, out, seen)
    return hashlib.sha256(b"".join(out)).hexdigest()
