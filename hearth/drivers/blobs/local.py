"""A blob store on the local filesystem that a crash cannot leave half-written.

Layout under ``root``::

    <bucket>/bucket.json              owner and creation time (the bucket exists iff this does)
    <bucket>/blobs/<key>.json         a blob's record: name, size, meta, and its data file's token
    <bucket>/blobs/<key>.<token>.data the bytes of one version of a blob
    <bucket>/uploads/<id>/            a segmented upload: upload.json and its segments
    <bucket>/tmp/                     files being written (swept when the store opens)

``<key>`` is the SHA-256 of the blob's name, so a name never becomes a path (no traversal, and
``a`` and ``a/b`` can both exist). Every write goes to ``tmp/``, is fsynced, then renamed into
place, and the directory fsynced: the record is renamed last, so a reader sees the old blob or
the whole new one, never a part. A crash leaves at most an orphan in ``tmp/`` or an unreferenced
``.data`` file, both invisible and both swept.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from hearth.errors import Conflict, NotFound, ValidationError

from .contract import BlobInfo, Chunks, check_blob_name, check_bucket_name, check_meta

READ_CHUNK = 1 << 20
_UPLOAD_ID_LEN = 32


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


class LocalBlobStore:
    """``BlobStore`` over a directory; safe for many threads of one process."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._sweep()

    # --- buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str, owner_id: str) -> None:
        check_bucket_name(bucket)
        staging = self.root / f".new-{secrets.token_hex(8)}"
        staging.mkdir()
        for sub in ("blobs", "uploads", "tmp"):
            (staging / sub).mkdir()
        _write_json(staging / "bucket.json", {"owner_id": owner_id, "created": time.time()}, staging)
        try:
            os.rename(staging, self.root / bucket)  # atomic; refuses a non-empty target
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            raise Conflict(f"bucket {bucket!r} already exists", bucket=bucket) from None
        _fsync_dir(self.root)

    def delete_bucket(self, bucket: str) -> None:
        path = self._bucket(bucket)
        if any(p.suffix == ".json" for p in (path / "blobs").iterdir()):
            raise Conflict(f"bucket {bucket!r} is not empty: delete its blobs first", bucket=bucket)
        trash = self.root / f".trash-{secrets.token_hex(8)}"
        os.rename(path, trash)
        _fsync_dir(self.root)
        shutil.rmtree(trash, ignore_errors=True)

    def bucket_owner(self, bucket: str) -> str:
        return str(_read_json(self._bucket(bucket) / "bucket.json")["owner_id"])

    def bucket_created(self, bucket: str) -> float:
        return float(_read_json(self._bucket(bucket) / "bucket.json")["created"])

    def list_buckets(self) -> list[tuple[str, str]]:
        out = []
        for path in sorted(self.root.iterdir()):
            if path.name.startswith(".") or not (path / "bucket.json").is_file():
                continue
            out.append((path.name, str(_read_json(path / "bucket.json")["owner_id"])))
        return out

    # --- blobs ------------------------------------------------------------------------------

    def put(
        self,
        bucket: str,
        name: str,
        chunks: Chunks,
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        check_blob_name(name)
        meta = check_meta(meta or {})
        path = self._bucket(bucket)
        token = secrets.token_hex(8)
        with self._temp(path) as (tmp, out):
            size = 0
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        return self._commit(path, bucket, name, tmp, token, size, meta, content_type)

    def open(self, bucket: str, name: str) -> tuple[BlobInfo, Iterator[bytes]]:
        path = self._bucket(bucket)
        record = self._record(path, bucket, name)
        # Opened now: a delete or overwrite after this unlinks the name, not these bytes.
        handle = (path / "blobs" / f"{_key(name)}.{record['token']}.data").open("rb")
        # Read front to back: the kernel may read further ahead (a blob is streamed whole).
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        return _info(bucket, record), _read(handle)

    def head(self, bucket: str, name: str) -> BlobInfo:
        return _info(bucket, self._record(self._bucket(bucket), bucket, name))

    def set_meta(self, bucket: str, name: str, meta: dict[str, str]) -> BlobInfo:
        path = self._bucket(bucket)
        record = self._record(path, bucket, name)
        record["meta"] = check_meta(meta)
        _write_json(path / "blobs" / f"{_key(name)}.json", record, path / "tmp")
        return _info(bucket, record)

    def list_blobs(self, bucket: str) -> list[BlobInfo]:
        blobs = self._bucket(bucket) / "blobs"
        found = []
        for rec in blobs.glob("*.json"):
            try:
                found.append(_info(bucket, _read_json(rec)))
            except FileNotFoundError:  # deleted while listing
                continue
        return sorted(found, key=lambda b: b.name)

    def delete(self, bucket: str, name: str) -> None:
        path = self._bucket(bucket)
        record = self._record(path, bucket, name)
        key = _key(name)
        os.unlink(path / "blobs" / f"{key}.json")  # gone from view first, bytes after
        _fsync_dir(path / "blobs")
        (path / "blobs" / f"{key}.{record['token']}.data").unlink(missing_ok=True)

    # --- segmented upload -------------------------------------------------------------------

    def begin_upload(self, bucket: str, name: str) -> str:
        check_blob_name(name)
        path = self._bucket(bucket)
        upload = secrets.token_hex(_UPLOAD_ID_LEN // 2)
        staging = path / "tmp" / f"up-{upload}"
        staging.mkdir()
        _write_json(staging / "upload.json", {"name": name, "started": time.time()}, staging)
        os.rename(staging, path / "uploads" / upload)
        _fsync_dir(path / "uploads")
        return upload

    def put_segment(self, bucket: str, upload: str, order: int, chunks: Chunks) -> str:
        if order < 1:
            raise ValidationError(f"segment order must be 1 or more, not {order}", order=order)
        path = self._bucket(bucket)
        where = self._upload(path, upload)
        segment = f"{order:05d}-{secrets.token_hex(6)}"
        with self._temp(path) as (tmp, out):
            for chunk in chunks:
                out.write(chunk)
        os.rename(tmp, where / f"{segment}.seg")
        _fsync_dir(where)
        return segment

    def finish_upload(
        self,
        bucket: str,
        upload: str,
        manifest: list[str],
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        meta = check_meta(meta or {})
        path = self._bucket(bucket)
        where = self._upload(path, upload)
        name = str(_read_json(where / "upload.json")["name"])
        if not manifest:
            raise ValidationError("a manifest names at least one segment")
        parts = []
        for segment in manifest:
            part = where / f"{segment}.seg"
            if "/" in segment or segment.startswith(".") or not part.is_file():
                raise ValidationError(
                    f"segment {segment!r} is not part of upload {upload!r}", segment=segment
                )
            parts.append(part)
        token = secrets.token_hex(8)
        with self._temp(path) as (tmp, out):
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, READ_CHUNK)
            size = out.tell()
        info = self._commit(path, bucket, name, tmp, token, size, meta, content_type)
        self._drop_upload(path, where)
        return info

    def abort_upload(self, bucket: str, upload: str) -> None:
        path = self._bucket(bucket)
        self._drop_upload(path, self._upload(path, upload))

    def list_uploads(self, bucket: str) -> list[str]:
        return sorted(p.name for p in (self._bucket(bucket) / "uploads").iterdir())

    # --- private ----------------------------------------------------------------------------

    def _bucket(self, bucket: str) -> Path:
        path = self.root / check_bucket_name(bucket)
        if not (path / "bucket.json").is_file():
            raise NotFound(f"no bucket {bucket!r}", bucket=bucket)
        return path

    def _upload(self, path: Path, upload: str) -> Path:
        if len(upload) != _UPLOAD_ID_LEN or not all(c in "0123456789abcdef" for c in upload):
            raise NotFound(f"no upload {upload!r}", upload=upload)
        where = path / "uploads" / upload
        if not where.is_dir():
            raise NotFound(f"no upload {upload!r}", upload=upload)
        return where

    def _drop_upload(self, path: Path, where: Path) -> None:
        trash = path / "tmp" / f"gone-{where.name}"
        os.rename(where, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _record(self, path: Path, bucket: str, name: str) -> dict[str, Any]:
        check_blob_name(name)
        try:
            return _read_json(path / "blobs" / f"{_key(name)}.json")
        except FileNotFoundError:
            raise NotFound(f"no blob {name!r} in bucket {bucket!r}", bucket=bucket, blob=name) from None

    def _temp(self, path: Path) -> _TempFile:
        return _TempFile(path / "tmp")

    def _commit(
        self,
        path: Path,
        bucket: str,
        name: str,
        tmp: Path,
        token: str,
        size: int,
        meta: dict[str, str],
        content_type: str | None,
    ) -> BlobInfo:
        """Publish the fsynced ``tmp`` as blob ``name``: data first, then the record (the switch)."""
        key = _key(name)
        blobs = path / "blobs"
        os.rename(tmp, blobs / f"{key}.{token}.data")
        try:
            old: dict[str, Any] | None = _read_json(blobs / f"{key}.json")
        except FileNotFoundError:
            old = None
        record = {
            "name": name,
            "size": size,
            "token": token,
            "modified": time.time(),
            "meta": meta,
            "content_type": content_type or "application/octet-stream",
        }
        _write_json(blobs / f"{key}.json", record, path / "tmp")
        if old is not None and old["token"] != token:
            (blobs / f"{key}.{old['token']}.data").unlink(missing_ok=True)
        return _info(bucket, record)

    def _sweep(self) -> None:
        """Remove what an interrupted write left: temp files, half-made buckets, orphan data."""
        for path in self.root.iterdir():
            if path.name.startswith((".new-", ".trash-")):
                shutil.rmtree(path, ignore_errors=True)
                continue
            if not (path / "bucket.json").is_file():
                continue
            for leftover in (path / "tmp").iterdir():
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
            blobs = path / "blobs"
            live = set()
            for rec in blobs.glob("*.json"):
                live.add(f"{rec.stem}.{_read_json(rec)['token']}.data")
            for data in blobs.glob("*.data"):
                if data.name not in live:
                    data.unlink(missing_ok=True)


class _TempFile:
    """A file in ``tmp/`` that is fsynced on success and removed on any failure."""

    def __init__(self, tmpdir: Path) -> None:
        self.path = tmpdir / f"w-{secrets.token_hex(8)}"
        self.file: BinaryIO | None = None

    def __enter__(self) -> tuple[Path, BinaryIO]:
        self.file = self.path.open("xb")
        return self.path, self.file

    def __exit__(self, exc_type: object, *rest: object) -> None:
        assert self.file is not None
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
        finally:
            self.file.close()
            if exc_type is not None:
                self.path.unlink(missing_ok=True)


def _write_json(target: Path, data: dict[str, Any], tmpdir: Path) -> None:
    """Write ``data`` to ``target`` atomically (temp file, fsync, rename, fsync the dir)."""
    with _TempFile(tmpdir) as (tmp, out):
        out.write(json.dumps(data).encode())
    os.rename(tmp, target)
    _fsync_dir(target.parent)


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def _info(bucket: str, record: dict[str, Any]) -> BlobInfo:
    return BlobInfo(
        bucket=bucket,
        name=record["name"],
        size=int(record["size"]),
        modified=float(record["modified"]),
        meta=dict(record.get("meta", {})),
        content_type=record.get("content_type", "application/octet-stream"),
    )


def _read(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(READ_CHUNK):
            yield chunk
