"""Chunked, resumable uploads of media into a dir source.

Bytes land in ``<root>/.hearth-uploads/<id>.partial``, a hidden directory listings skip and
media paths may not name. The partial file *is* the progress record: after a crash, its size
is where the client resumes, so no bookkeeping can disagree with the data. ``finish`` checks
size, sha256 (when given) and that the content is a medium, fsyncs, and hard-links the file
to its final name -- atomic, and refusing to replace anything already there -- so a visible
image is always a complete, verified one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hearth.errors import Conflict, Forbidden, NotFound, ValidationError
from hearth.service.media.cache import check_sha256
from hearth.service.media.content import HEAD_BYTES, MediaFacts, classify
from hearth.service.media.paths import UPLOAD_DIR, open_dir_inside, real_root, split_relpath

MAX_UPLOAD = 1 << 40  # 1 TiB: a bound on the declared size, not a quota
_ID_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class UploadState:
    id: str
    path: str  # destination, relative to the source root
    size: int
    received: int
    sha256: str | None = None

    @property
    def complete(self) -> bool:
        return self.received == self.size


class Uploads:
    """Uploads into the dir source rooted at ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = real_root(root)
        self.dir = self.root / UPLOAD_DIR

    def _updir(self) -> int:
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.dir, 0o700)
        fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        if os.fstat(fd).st_uid != os.getuid():
            os.close(fd)
            raise Forbidden(f"{UPLOAD_DIR} in this source belongs to another user")
        return fd

    @staticmethod
    def _check_id(upload_id: str) -> str:
        if len(upload_id) != 32 or not set(upload_id) <= _ID_CHARS:
            raise NotFound(f"upload {upload_id[:40]!r} does not exist")
        return upload_id

    @staticmethod
    def _split_dest(path: str) -> tuple[str, str]:
        parts = split_relpath(path)
        if not parts:
            raise ValidationError("an upload needs a file name")
        name = parts[-1]
        if name.startswith("."):
            raise ValidationError(f"upload file name {name[:40]!r} may not start with '.'")
        return "/".join(parts[:-1]), name

    def _meta(self, dfd: int, upload_id: str) -> dict[str, object]:
        try:
            fd = os.open(f"{upload_id}.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        except FileNotFoundError:
            raise NotFound(f"upload {upload_id} does not exist") from None
        with os.fdopen(fd) as fh:
            meta: dict[str, object] = json.load(fh)
        return meta

    def _state(self, dfd: int, upload_id: str) -> UploadState:
        meta = self._meta(dfd, upload_id)
        try:
            received = os.stat(f"{upload_id}.partial", dir_fd=dfd, follow_symlinks=False).st_size
        except FileNotFoundError:
            received = 0
        sha = meta.get("sha256")
        return UploadState(
            id=upload_id,
            path=str(meta["path"]),
            size=int(str(meta["size"])),
            received=received,
            sha256=str(sha) if sha else None,
        )

    def start(self, path: str, size: int, sha256: str | None = None) -> UploadState:
        """Open an upload of ``size`` bytes to ``path``; refused if the destination exists."""
        if not 0 < size <= MAX_UPLOAD:
            raise ValidationError(f"upload size must be between 1 and {MAX_UPLOAD} bytes")
        digest = check_sha256(sha256)
        parent, name = self._split_dest(path)
        pfd, _ = open_dir_inside(self.root, parent)
        try:
            if _exists(pfd, name):
                raise Conflict(f"media {path[:80]!r} already exists in the source")
        finally:
            os.close(pfd)
        upload_id = secrets.token_hex(16)
        dfd = self._updir()
        try:
            meta = {"path": "/".join((*split_relpath(parent), name)), "size": size, "sha256": digest}
            _write_new(dfd, f"{upload_id}.json", json.dumps(meta).encode())
            os.close(
                os.open(
                    f"{upload_id}.partial",
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o600,
                    dir_fd=dfd,
                )
            )
            return self._state(dfd, upload_id)
        finally:
            os.close(dfd)

    def status(self, upload_id: str) -> UploadState:
        dfd = self._updir()
        try:
            return self._state(dfd, self._check_id(upload_id))
        finally:
            os.close(dfd)

    def write(self, upload_id: str, offset: int, chunks: Iterable[bytes]) -> UploadState:
        """Write bytes at ``offset``; it may repeat already-received data but never skip ahead.

        Writing at an earlier offset discards what followed it: the client's resend wins.
        """
        dfd = self._updir()
        try:
            state = self._state(dfd, self._check_id(upload_id))
            if offset < 0 or offset > state.received:
                raise Conflict(
                    f"upload {upload_id} has {state.received} bytes; a chunk may not start after that",
                    received=state.received,
                )
            fd = os.open(f"{upload_id}.partial", os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
            try:
                os.ftruncate(fd, offset)
                os.lseek(fd, offset, os.SEEK_SET)
                pos = offset
                for chunk in chunks:
                    if pos + len(chunk) > state.size:
                        raise ValidationError(
                            f"upload {upload_id} would exceed its declared size of {state.size} bytes"
                        )
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
                    pos += len(chunk)
            finally:
                os.close(fd)
            return self._state(dfd, upload_id)
        finally:
            os.close(dfd)

    def finish(self, upload_id: str, progress: Callable[[int, int], None] | None = None) -> MediaFacts:
        """Verify the upload and publish it under its final name; returns what the medium is."""
        dfd = self._updir()
        try:
            state = self._state(dfd, self._check_id(upload_id))
            if not state.complete:
                raise Conflict(
                    f"upload {upload_id} has {state.received} of {state.size} bytes",
                    received=state.received,
                )
            fd = os.open(f"{upload_id}.partial", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
            try:
                facts = classify(os.pread(fd, HEAD_BYTES, 0), state.size)
                if facts is None:
                    raise ValidationError(f"upload {upload_id} is not an ISO, floppy or disk image")
                if state.sha256 is not None:
                    got = _sha256_fd(fd, state.size, progress)
                    if got != state.sha256:
                        raise ValidationError(
                            f"upload {upload_id} does not match its sha256; resend it from offset 0",
                            got=got,
                        )
                os.fchmod(fd, 0o644)  # readable by the QEMU user once published
                os.fsync(fd)
            finally:
                os.close(fd)
            parent, name = self._split_dest(state.path)
            pfd, _ = open_dir_inside(self.root, parent)
            try:
                os.link(f"{upload_id}.partial", name, src_dir_fd=dfd, dst_dir_fd=pfd, follow_symlinks=False)
                os.fsync(pfd)
            except FileExistsError:
                raise Conflict(
                    f"media {state.path[:80]!r} appeared in the source during the upload"
                ) from None
            except OSError as exc:
                if exc.errno == errno.EXDEV:
                    raise ValidationError(
                        "upload destination is on another file system than the source"
                    ) from None
                raise
            finally:
                os.close(pfd)
            self._remove(dfd, upload_id)
            return facts
        finally:
            os.close(dfd)

    def abort(self, upload_id: str) -> None:
        dfd = self._updir()
        try:
            self._state(dfd, self._check_id(upload_id))
            self._remove(dfd, upload_id)
        finally:
            os.close(dfd)

    def pending(self) -> list[UploadState]:
        """Unfinished uploads (e.g. left by a crash), resumable by id."""
        dfd = self._updir()
        try:
            ids = sorted(n[:-5] for n in os.listdir(dfd) if n.endswith(".json") and len(n) == 37)
            return [self._state(dfd, i) for i in ids]
        finally:
            os.close(dfd)

    @staticmethod
    def _remove(dfd: int, upload_id: str) -> None:
        for suffix in (".partial", ".json"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{upload_id}{suffix}", dir_fd=dfd)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _write_new(dir_fd: int, name: str, data: bytes) -> None:
    fd = os.open(
        name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd
    )
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256_fd(fd: int, size: int, progress: Callable[[int, int], None] | None) -> str:
    digest = hashlib.sha256()
    offset = 0
    while offset < size:
        block = os.pread(fd, min(1 << 20, size - offset), offset)
        if not block:
            break
        digest.update(block)
        offset += len(block)
        if progress is not None:
            progress(offset, size)
    return digest.hexdigest()
