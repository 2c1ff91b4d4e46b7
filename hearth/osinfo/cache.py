"""The on-disk cache of the converted OS database, so a CLI run never waits for libosinfo.

Loading osinfo-db through libosinfo and converting ~800 OSes takes most of a second; reading
this file and decoding one OS takes a few milliseconds. The file is derived data: its name
carries a fingerprint of everything it was built from (see ``fingerprint``), and anything
wrong with it (unreadable, truncated, edited, another format or version) means it is
rebuilt, with a warning, never trusted and never fatal.

Layout, JSON Lines (JSON only: a cache file must never be able to run code):
  line 1  head: magic, format, hearth version, fingerprint, library stamps, index length + digest
  line 2  index: device table, arches, and per OS (stored by column) the keys for lookup
          and listing plus the offset, length and digest of its line below
  line 3+ one OS per line, decoded only when that OS is first asked for
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import operator
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hearth import __version__
from hearth.osinfo import codec, fingerprint
from hearth.osinfo.catalog import Catalog, Entry
from hearth.osinfo.codec import CorruptCache
from hearth.osinfo.model import OS, Device

log = logging.getLogger(__name__)

FORMAT = 1
MAGIC = "hearth-osinfo-cache"
CACHE_DIR_ENV = "HEARTH_CACHE_DIR"
SWITCH_ENV = "HEARTH_OSINFO_CACHE"
_OFF = frozenset({"0", "false", "no", "off"})
_PREFIX = "osinfo-"
_SUFFIX = ".jsonl"
# The entry table is stored by column: one bulk type check per column instead of one per value.
_COLUMNS = ("short_id", "id", "name", "family", "short_ids", "offset", "length", "digest")


class StaleCache(Exception):
    """The cache was built with another libosinfo: not damaged, just out of date."""


def enabled() -> bool:
    """Off when ``$HEARTH_OSINFO_CACHE`` is 0/false/no/off, for debugging the libosinfo path."""
    return os.environ.get(SWITCH_ENV, "").strip().lower() not in _OFF


def cache_dir() -> Path:
    """``$HEARTH_CACHE_DIR``, else ``$XDG_CACHE_HOME/hearth``, else ``~/.cache/hearth``."""
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "hearth"
    home = os.path.expanduser("~")
    if home == "~":
        raise OSError(f"there is no home directory to keep it in (set ${CACHE_DIR_ENV})")
    return Path(home) / ".cache" / "hearth"


def for_data(data_dir: Path | None) -> CacheFile | None:
    """The cache file to use for ``data_dir``; None when switched off or nowhere to keep it."""
    if not enabled():
        return None
    try:
        return CacheFile.for_data(data_dir)
    except OSError as exc:
        log.warning("not caching the osinfo database: %s", exc.strerror or exc)
        return None


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _stamp(path: str) -> list[object] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [path, st.st_size, st.st_mtime_ns, st.st_ino]


def _json(data: bytes) -> object:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CorruptCache(f"invalid JSON: {exc}") from exc


def _dict(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise CorruptCache(f"the {what} is not a JSON object")
    return value


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CorruptCache(f"{what} is not a non-negative integer")
    return value


def _column(
    columns: dict[str, object], name: str, kinds: tuple[type, ...], count: int | None = None
) -> list[Any]:
    """One column of the entry table, every value of one of ``kinds`` (checked in bulk: this is hot)."""
    column = columns.get(name)
    if not isinstance(column, list) or (count is not None and len(column) != count):
        raise CorruptCache(f"the {name} column is missing or of the wrong length")
    if not set(map(type, column)) <= set(kinds):
        raise CorruptCache(f"the {name} column holds a value of the wrong type")
    return column


def _make_dirs(directory: Path) -> None:
    """Create every missing level owner-only; existing directories are left as they are."""
    missing: list[Path] = []
    level = directory
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)


class CacheFile:
    """The cache file for one data source in its current state."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint

    @classmethod
    def for_data(cls, data_dir: Path | None) -> CacheFile:
        """Locate the cache for ``data_dir``, or for libosinfo's default paths when None."""
        if data_dir is None:
            dirs, files = fingerprint.default_roots()
        else:
            dirs, files = (str(data_dir),), ()
        salt = f"{MAGIC}/{FORMAT}/{__version__}"
        digest = fingerprint.fingerprint(dirs, files, salt)
        source = fingerprint.source_key((*dirs, "|", *files))[:12]
        return cls(cache_dir() / f"{_PREFIX}{source}-{digest[:32]}{_SUFFIX}", digest)

    # --- reading ---------------------------------------------------------------------

    def load(self) -> Catalog | None:
        """The cached catalog, or None (logged) when there is none or it cannot be trusted."""
        try:
            return self._parse(self._read())
        except FileNotFoundError:
            log.debug("no osinfo cache at %s yet", self.path)
        except OSError as exc:
            log.warning("cannot read the osinfo cache %s (%s); rebuilding it", self.path, exc.strerror or exc)
        except StaleCache as exc:
            log.info("the osinfo cache %s is out of date (%s); rebuilding it", self.path, exc)
        except CorruptCache as exc:
            log.warning("the osinfo cache %s is unusable (%s); rebuilding it from osinfo-db", self.path, exc)
        return None

    def _read(self) -> bytes:
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_uid != os.geteuid() or st.st_mode & 0o022:
                raise CorruptCache("it is not owned by this user or others may write it")
            return fh.read()

    def _parse(self, data: bytes) -> Catalog:
        end_head = data.find(b"\n")
        if end_head < 0:
            raise CorruptCache("no header line")
        head = _dict(_json(data[:end_head]), "header")
        for key, want in (
            ("magic", MAGIC),
            ("format", FORMAT),
            ("hearth", __version__),
            ("fingerprint", self.fingerprint),
        ):
            if head.get(key) != want:
                raise CorruptCache(f"its {key} is {head.get(key)!r}, expected {want!r}")
        libs = head.get("libs")
        if not isinstance(libs, list):
            raise CorruptCache("the library stamps are missing")
        for lib in libs:
            if not isinstance(lib, list) or not lib or not isinstance(lib[0], str):
                raise CorruptCache("a library stamp is malformed")
            if _stamp(lib[0]) != lib:
                raise StaleCache(f"{lib[0]} changed since it was built")
        start = end_head + 1
        end = start + _int(head.get("index_len"), "the index length")
        if data[end : end + 1] != b"\n" or _digest(data[start:end]) != head.get("index_digest"):
            raise CorruptCache("the index does not match its digest")
        return self._catalog(_dict(_json(data[start:end]), "index"), data[end + 1 :])

    def _catalog(self, index: dict[str, object], body: bytes) -> Catalog:
        devices = codec.expect_many(index.get("devices"), codec.decode_device)
        arches = codec.expect_many(index.get("arches"), codec.expect_str)
        columns = _dict(index.get("columns"), "column table")
        short_ids = _column(columns, "short_id", (str,))
        count = len(short_ids)
        if not count:
            raise CorruptCache("it lists no operating systems")
        if len(set(short_ids)) != count:
            raise CorruptCache("a short-id is listed twice")
        aliases = _column(columns, "short_ids", (list,), count)
        if not set(map(type, itertools.chain.from_iterable(aliases))) <= {str}:
            raise CorruptCache("the short_ids column is malformed")
        entries = list(
            map(
                Entry._make,
                zip(
                    short_ids,
                    _column(columns, "id", (str,), count),
                    _column(columns, "name", (str,), count),
                    _column(columns, "family", (str, type(None)), count),
                    map(tuple, aliases),
                    strict=True,
                ),
            )
        )
        offsets = _column(columns, "offset", (int,), count)
        lengths = _column(columns, "length", (int,), count)
        if min(offsets) < 0 or min(lengths) < 0 or max(map(operator.add, offsets, lengths)) > len(body):
            raise CorruptCache("an entry points outside the file")
        digests = _column(columns, "digest", (str,), count)
        spans = dict(zip(short_ids, zip(offsets, lengths, digests, strict=True), strict=True))
        by_id = {e.short_id: e for e in entries}

        def load_one(short_id: str) -> OS:
            offset, length, digest = spans[short_id]
            chunk = body[offset : offset + length]
            if _digest(chunk) != digest:
                raise CorruptCache(f"the data of {short_id} does not match its digest")
            os_ = codec.decode_os(_json(chunk), devices)
            if Entry.of(os_) != by_id[short_id]:
                raise CorruptCache(f"the data of {short_id} does not match its index entry")
            return os_

        return Catalog(entries, arches, loader=load_one)

    # --- writing ---------------------------------------------------------------------

    def save(self, oses: Sequence[OS], arches: Sequence[str], libraries: Sequence[str]) -> bool:
        """Write the cache atomically (owner-only); a failure is a warning, never an error."""
        directory = self.path.parent
        try:
            _make_dirs(directory)
            self._write(self._encode(oses, arches, libraries))
        except OSError as exc:
            log.warning(
                "cannot write the osinfo cache in %s (%s); carrying on without it",
                directory,
                exc.strerror or exc,
            )
            return False
        self._prune_predecessors()
        return True

    def _encode(self, oses: Sequence[OS], arches: Sequence[str], libraries: Sequence[str]) -> bytes:
        device_index: dict[Device, int] = {}
        bodies: list[bytes] = []
        columns: dict[str, list[object]] = {name: [] for name in _COLUMNS}
        offset = 0
        for o in oses:
            body = json.dumps(codec.encode_os(o, device_index), separators=(",", ":")).encode()
            row = (o.short_id, o.id, o.name, o.family, list(o.short_ids), offset, len(body), _digest(body))
            for name, value in zip(_COLUMNS, row, strict=True):
                columns[name].append(value)
            bodies.append(body + b"\n")
            offset += len(body) + 1
        index = json.dumps(
            {
                "devices": [codec.encode_device(d) for d in device_index],
                "arches": list(arches),
                "columns": columns,
            },
            separators=(",", ":"),
        ).encode()
        head = {
            "magic": MAGIC,
            "format": FORMAT,
            "hearth": __version__,
            "fingerprint": self.fingerprint,
            "libs": [s for s in map(_stamp, libraries) if s is not None],
            "index_len": len(index),
            "index_digest": _digest(index),
        }
        return b"".join([json.dumps(head, separators=(",", ":")).encode(), b"\n", index, b"\n", *bodies])

    def _write(self, data: bytes) -> None:
        import tempfile  # only when writing: it costs a few ms to import

        fd, tmp = tempfile.mkstemp(prefix=f".{_PREFIX}", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _prune_predecessors(self) -> None:
        """Older caches of the same data source (same name up to the fingerprint) are dead weight,
        and so are temp files a killed writer left behind (after a day, so no live writer loses one)."""
        source = self.path.name[: -len(_SUFFIX)].rsplit("-", 1)[0]
        for old in self.path.parent.glob(f"{source}-*{_SUFFIX}"):
            if old != self.path:
                with contextlib.suppress(OSError):
                    old.unlink()
        day_ago = time.time() - 86400
        for tmp in self.path.parent.glob(f".{_PREFIX}*.tmp"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < day_ago:
                    tmp.unlink()
