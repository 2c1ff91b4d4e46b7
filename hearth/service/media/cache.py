"""A content-addressed local cache of remote media, shared by every VM on the host.

Layout under the cache root::

    objects/<sha256>        verified media, named by content (two URLs, one file)
    partial/<urlkey>.part   a download in progress, resumable with Range
    partial/<urlkey>.json   what the partial is a prefix of (size and validator at start)
    locks/<urlkey>.lock     flock: one download per URL across threads and processes
    index.json              url -> object, object -> size, last use, users (under index.lock)

A download streams in CHUNK pieces into the partial file while hashing, so memory stays
flat whatever the image size; it is fsynced and renamed into ``objects/`` only after its size
(and sha256, when the caller knows it) checked out. Before downloading, least recently used
objects that no VM uses are evicted until the new one fits under the size limit.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hearth.errors import BackendError, Conflict, HearthError, NotFound, ValidationError
from hearth.media.urls import check_url, redact, url_key
from hearth.service.media.origin import TIMEOUT, Origin, open_origin
from hearth.service.media.sink import open_direct, pump

Progress = Callable[[int, int | None], None]
RETRIES = 5
_HEX = frozenset("0123456789abcdef")


class CacheWriteError(BackendError):
    """The cache's own disk refused a write (full, read-only, I/O error)."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    sha256: str
    size: int
    path: str
    last_used: float
    created: float
    users: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()  # redacted, for display


@dataclass(slots=True)
class FetchResult:
    entry: CacheEntry
    downloaded: int  # bytes taken from the origin by this call (0 on a hit)
    hit: bool


@dataclass(slots=True)
class _Index:
    urls: dict[str, str] = field(default_factory=dict)  # url key -> sha256
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)


def check_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    digest = value.strip().lower()
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise ValidationError("sha256 must be 64 hexadecimal digits")
    return digest


class MediaCache:
    def __init__(
        self,
        root: str | os.PathLike[str],
        limit_bytes: int,
        *,
        verify_tls: bool = True,
        timeout: float = TIMEOUT,
    ) -> None:
        if limit_bytes <= 0:
            raise ValidationError("the media cache size limit must be positive")
        self.root = Path(root)
        self.limit = limit_bytes
        self.verify_tls = verify_tls
        self.timeout = timeout
        for sub in ("objects", "partial", "locks"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        os.chmod(self.root / "objects", 0o755)

    # -- the index --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self, path: Path) -> Iterator[None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the description releases the lock

    def _read_index(self) -> _Index:
        try:
            raw = json.loads((self.root / "index.json").read_text())
        except FileNotFoundError:
            return _Index()
        except (OSError, ValueError) as exc:
            raise BackendError(f"media cache index is unreadable: {type(exc).__name__}") from None
        return _Index(urls=dict(raw.get("urls", {})), objects=dict(raw.get("objects", {})))

    def _write_index(self, index: _Index) -> None:
        tmp = self.root / "index.json.tmp"
        tmp.write_text(json.dumps({"urls": index.urls, "objects": index.objects}, sort_keys=True))
        os.replace(tmp, self.root / "index.json")

    @contextlib.contextmanager
    def _index(self) -> Iterator[_Index]:
        with self._locked(self.root / "index.lock"):
            index = self._read_index()
            yield index
            self._write_index(index)

    def _entry(self, sha: str, obj: dict[str, Any]) -> CacheEntry:
        return CacheEntry(
            sha256=sha,
            size=int(obj["size"]),
            path=str(self.root / "objects" / sha),
            last_used=float(obj["last_used"]),
            created=float(obj["created"]),
            users=tuple(obj.get("users", [])),
            urls=tuple(obj.get("shown", [])),
        )

    # -- queries ----------------------------------------------------------------------------

    def entries(self) -> list[CacheEntry]:
        """Every cached object, most recently used first."""
        with self._locked(self.root / "index.lock"):
            index = self._read_index()
        found = [self._entry(sha, obj) for sha, obj in index.objects.items()]
        return sorted(found, key=lambda e: e.last_used, reverse=True)

    def used_bytes(self) -> int:
        return sum(e.size for e in self.entries())

    def lookup(self, url: str) -> CacheEntry | None:
        """The cached copy of ``url`` if there is a complete one (does not count as a use)."""
        key = url_key(url)
        with self._locked(self.root / "index.lock"):
            index = self._read_index()
        sha = index.urls.get(key)
        if sha is None or sha not in index.objects or not (self.root / "objects" / sha).is_file():
            return None
        return self._entry(sha, index.objects[sha])

    def partial_bytes(self, url: str) -> int:
        """How much of ``url`` a previous, interrupted download left behind."""
        try:
            return (self.root / "partial" / f"{url_key(url)}.part").stat().st_size
        except FileNotFoundError:
            return 0

    # -- use tracking -----------------------------------------------------------------------

    def acquire(self, sha: str, user: str) -> CacheEntry:
        """Mark object ``sha`` as used by ``user`` (a VM): it cannot be evicted until released."""
        with self._index() as index:
            obj = index.objects.get(sha)
            if obj is None:
                raise NotFound(f"cached media {sha[:12]} is not in the cache")
            users = set(obj.get("users", []))
            users.add(user)
            obj["users"] = sorted(users)
            obj["last_used"] = time.time()
            return self._entry(sha, obj)

    def release(self, sha: str, user: str) -> None:
        """``user`` no longer uses object ``sha``; unknown pairs are ignored (release is idempotent)."""
        with self._index() as index:
            obj = index.objects.get(sha)
            if obj is not None and user in obj.get("users", []):
                obj["users"] = [u for u in obj["users"] if u != user]
                obj["last_used"] = time.time()

    def release_user(self, user: str) -> None:
        """Drop ``user`` from every object (its VM was deleted)."""
        with self._index() as index:
            for obj in index.objects.values():
                if user in obj.get("users", []):
                    obj["users"] = [u for u in obj["users"] if u != user]

    def delete(self, sha: str) -> None:
        """Remove one object; refused while a VM uses it."""
        with self._index() as index:
            obj = index.objects.get(sha)
            if obj is None:
                raise NotFound(f"cached media {sha[:12]} is not in the cache")
            if obj.get("users"):
                raise Conflict(f"cached media {sha[:12]} is in use by {', '.join(obj['users'])}")
            self._drop(index, sha)

    def _drop(self, index: _Index, sha: str) -> None:
        index.objects.pop(sha, None)
        for key in [k for k, v in index.urls.items() if v == sha]:
            del index.urls[key]
        with contextlib.suppress(FileNotFoundError):
            (self.root / "objects" / sha).unlink()

    def _make_room(self, incoming: int) -> None:
        """Evict unused objects, least recently used first, until ``incoming`` more bytes fit."""
        if incoming > self.limit:
            raise ValidationError(
                f"media of {incoming} bytes is larger than the whole cache ({self.limit} bytes)"
            )
        with self._index() as index:
            used = sum(int(o["size"]) for o in index.objects.values())
            idle = sorted((o["last_used"], sha) for sha, o in index.objects.items() if not o.get("users"))
            while used + incoming > self.limit and idle:
                _, sha = idle.pop(0)
                used -= int(index.objects[sha]["size"])
                self._drop(index, sha)
            if used + incoming > self.limit:
                raise Conflict(
                    f"the media cache is full: {used} of {self.limit} bytes are in use by VMs",
                    used=used,
                    limit=self.limit,
                )

    # -- fetching ---------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        sha256: str | None = None,
        user: str | None = None,
        progress: Progress | None = None,
    ) -> FetchResult:
        """The cached copy of ``url``, downloading it first if needed.

        Concurrent callers for one URL (threads or processes) queue on a per-URL lock, so the
        first downloads and the rest find the object in place.
        """
        check_url(url)
        expected = check_sha256(sha256)
        key = url_key(url)
        with self._locked(self.root / "locks" / f"{key}.lock"):
            hit = self.lookup(url)
            if hit is not None and expected is not None and hit.sha256 != expected:
                hit = None  # the origin's content is not the one wanted: fetch again and verify
            if hit is not None:
                entry = self._touch(hit.sha256, user)
                if progress is not None:
                    progress(entry.size, entry.size)
                return FetchResult(entry=entry, downloaded=0, hit=True)
            sha, size, taken = self._download(url, key, expected, progress)
            entry = self._register(url, key, sha, size, user)
            return FetchResult(entry=entry, downloaded=taken, hit=False)

    def _touch(self, sha: str, user: str | None) -> CacheEntry:
        with self._index() as index:
            obj = index.objects[sha]
            obj["last_used"] = time.time()
            if user is not None and user not in obj.get("users", []):
                obj["users"] = sorted([*obj.get("users", []), user])
            return self._entry(sha, obj)

    def _register(self, url: str, key: str, sha: str, size: int, user: str | None) -> CacheEntry:
        now = time.time()
        with self._index() as index:
            obj = index.objects.setdefault(sha, {"size": size, "created": now, "users": [], "shown": []})
            obj["last_used"] = now
            if redact(url) not in obj["shown"]:
                obj["shown"] = [*obj["shown"], redact(url)]
            if user is not None and user not in obj["users"]:
                obj["users"] = sorted([*obj["users"], user])
            index.urls[key] = sha
            return self._entry(sha, obj)

    def _download(
        self, url: str, key: str, expected: str | None, progress: Progress | None
    ) -> tuple[str, int, int]:
        """(sha256, size, bytes taken from the origin) once ``url`` is complete in ``objects/``."""
        part = self.root / "partial" / f"{key}.part"
        meta_path = self.root / "partial" / f"{key}.json"
        shown = redact(url)
        conn = _Connection(url, self.verify_tls, self.timeout)
        try:
            stat = conn.origin().stat()
            if stat.size is not None:
                self._make_room(stat.size)
            meta = {"size": stat.size, "validator": stat.validator}
            have = part.stat().st_size if part.exists() else 0
            if have and (
                _read_json(meta_path) != meta or not stat.ranges or stat.size is None or have > stat.size
            ):
                have = 0  # a different version of the file, or no way to resume it
            meta_path.write_text(json.dumps(meta))
            digest, taken = self._fill(conn, part, have, stat.size, shown, progress)
        finally:
            conn.close()
        size = part.stat().st_size
        sha = digest.hexdigest()
        if stat.size is not None and size != stat.size:
            raise BackendError(f"download of {shown} ended at {size} of {stat.size} bytes")
        if expected is not None and sha != expected:
            part.unlink()
            meta_path.unlink(missing_ok=True)
            raise BackendError(f"download of {shown} does not match the expected sha256", got=sha)
        if stat.size is None:
            self._make_room(size)
        os.chmod(part, 0o644)
        os.replace(part, self.root / "objects" / sha)
        _fsync_dir(self.root / "objects")
        meta_path.unlink(missing_ok=True)
        return sha, size, taken

    def _fill(
        self,
        conn: _Connection,
        part: Path,
        have: int,
        size: int | None,
        shown: str,
        progress: Progress | None,
    ) -> tuple[Any, int]:
        """Append the rest of the object to ``part`` from byte ``have``, retrying broken transfers.

        A retry reconnects (a broken FTP transfer leaves its control connection unusable) and asks
        for the remainder only.
        """
        digest = hashlib.sha256()
        fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        direct = open_direct(part)
        taken = 0
        try:
            os.ftruncate(fd, have)
            _hash_prefix(fd, have, digest)  # the resumed part must be in the digest too
            offset = have
            failures = 0
            while size is None or offset < size:
                if progress is not None:
                    progress(offset, size)
                try:
                    stream = conn.origin().stream(offset)
                    try:
                        if stream.start != offset:  # the origin ignored the range: start over
                            os.ftruncate(fd, 0)
                            offset, digest = 0, hashlib.sha256()
                        base = offset

                        def report(copied: int, base: int = base) -> None:
                            if progress is not None:
                                progress(base + copied, size)

                        try:
                            pump(stream.readinto, fd, offset, digest, progress=report, direct_fd=direct)
                        finally:
                            offset = os.fstat(fd).st_size  # what reached the file is what counts
                            taken += offset - base
                    finally:
                        stream.close()
                    if size is None or offset >= size:
                        break
                    reason = "the transfer ended early"
                except OSError as exc:  # the local disk failed: retrying the network will not help
                    raise CacheWriteError(
                        f"cannot write the cached copy of {shown}: {exc.strerror}"
                    ) from None
                except HearthError as exc:
                    reason = exc.message
                failures += 1
                if failures > RETRIES:
                    raise BackendError(
                        f"download of {shown} failed {failures} times; {offset} bytes are kept to resume",
                        reason=reason,
                    )
                conn.close()  # reconnect for the remainder
                time.sleep(min(0.2 * failures, 2.0))
            os.fsync(fd)
        finally:
            os.close(fd)
            if direct is not None:
                os.close(direct)
        return digest, taken


class _Connection:
    """The origin of one download, opened lazily and reopened after a failure."""

    def __init__(self, url: str, verify: bool, timeout: float) -> None:
        self.url, self.verify, self.timeout = url, verify, timeout
        self._origin: Origin | None = None

    def origin(self) -> Origin:
        if self._origin is None:
            self._origin = open_origin(self.url, verify=self.verify, timeout=self.timeout)
        return self._origin

    def close(self) -> None:
        if self._origin is not None:
            self._origin.close()
            self._origin = None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _hash_prefix(fd: int, length: int, digest: Any) -> None:
    offset = 0
    while offset < length:
        block = os.pread(fd, min(1 << 20, length - offset), offset)
        if not block:
            raise BackendError("a partial download shrank while it was being resumed")
        digest.update(block)
        offset += len(block)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
