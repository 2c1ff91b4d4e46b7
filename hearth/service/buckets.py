"""Buckets and blobs for every frontend: per-user ownership over one ``BlobStore``.

The owner of a bucket is recorded by the blob store itself, beside the bucket (a local store's
``bucket.json``; an S3 store's bucket tag), so a bucket and its owner cannot part: no store table
to migrate and keep in step with the files. Bucket names are one namespace, as in S3; another
user's bucket answers NotFound, exactly as a missing one, so names do not leak across users.
Admins see every bucket, as with every other resource.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.drivers.blobs import (
    BLOB_NAME_PATTERN,
    BUCKET_NAME_PATTERN,
    BlobInfo,
    BlobStore,
    Chunks,
    LocalBlobStore,
    check_bucket_name,
)
from hearth.drivers.caller import can_see
from hearth.errors import Conflict, NotFound, ValidationError

__all__ = [
    "BLOBS_DIR_ENV",
    "BLOB_NAME_PATTERN",
    "BUCKET_NAME_PATTERN",
    "MAX_SEGMENTS",
    "BlobInfo",
    "Bucket",
    "Buckets",
    "async_chunks",
    "blobs_dir",
    "open_buckets",
    "sync_chunks",
]

BLOBS_DIR_ENV = "HEARTH_BLOBS_DIR"
# S3's bound on the parts of one multipart upload; a segmented upload has the same.
MAX_SEGMENTS = 10_000


def blobs_dir(engine: Engine) -> Path:
    """``$HEARTH_BLOBS_DIR``, else blobs/ beside a SQLite store (its state dir), else the default
    state dir's blobs/: the same rule as the media directory's."""
    configured = os.environ.get(BLOBS_DIR_ENV)
    if configured:
        return Path(configured)
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "blobs"
    from .config import default_state_dir

    return default_state_dir() / "blobs"


_LOCAL_KEYS = {"store", "dir"}
_S3_KEYS = {"store", "endpoint_url", "region", "access_key_id", "secret_access_key"}


def open_buckets(
    engine: Engine, where: str | os.PathLike[str] | None = None, options: Mapping[str, Any] | None = None
) -> Buckets:
    """The Buckets over the store the ``[blobs]`` table ``options`` names.

    ``store = "local"`` (the default): a local store in ``where``, else the table's ``dir``, else
    ``blobs_dir(engine)``. ``store = "s3"``: an S3 store at ``endpoint_url`` (absent: AWS) in
    ``region``, with ``access_key_id``/``secret_access_key`` (absent: boto3's usual sources)."""
    options = dict(options or {})
    kind = options.get("store", "local")
    if kind == "local":
        _only(options, _LOCAL_KEYS, kind)
        root = where if where is not None else options.get("dir") or blobs_dir(engine)
        return Buckets(LocalBlobStore(Path(root).expanduser()))
    if kind == "s3":
        _only(options, _S3_KEYS, kind)
        from hearth.drivers.blobs.s3 import S3BlobStore

        return Buckets(
            S3BlobStore.connect(
                options.get("endpoint_url"),
                str(options.get("region", "us-east-1")),
                options.get("access_key_id"),
                options.get("secret_access_key"),
            )
        )
    raise ValidationError(f"[blobs] store must be 'local' or 's3', not {kind!r}", key="store")


def _only(options: Mapping[str, Any], known: set[str], kind: str) -> None:
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValidationError(
            f"[blobs] key {unknown[0]!r} does not apply to the {kind} store "
            f"(known: {', '.join(sorted(known))})",
            key=unknown[0],
        )


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    owner_id: str
    blob_count: int | None = None  # filled by show, not by list (counting reads every record)


class Buckets:
    """The bucket and blob operations; every one takes the ``Caller`` and checks ownership."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store

    # --- buckets ----------------------------------------------------------------------------

    def create(self, who: Caller, name: str) -> Bucket:
        check_bucket_name(name)
        try:
            self.store.create_bucket(name, who.user_id)
        except Conflict:
            # Someone else's bucket is not revealed, but the name still cannot be had.
            raise Conflict(f"bucket name {name!r} is taken; choose another", bucket=name) from None
        return Bucket(name, who.user_id, 0)

    def list_buckets(self, who: Caller, *, name: str | None = None) -> list[Bucket]:
        return [Bucket(n, o) for n, o in self.store.list_buckets() if can_see(who, o) and name in (None, n)]

    def show(self, who: Caller, name: str) -> Bucket:
        owner = self._owned(who, name)
        return Bucket(name, owner, len(self.store.list_blobs(name)))

    def delete(self, who: Caller, name: str) -> None:
        self._owned(who, name)
        self.store.delete_bucket(name)  # Conflict if it still holds blobs

    # --- blobs ------------------------------------------------------------------------------

    def put(
        self,
        who: Caller,
        bucket: str,
        name: str,
        chunks: Chunks,
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        self._owned(who, bucket)
        return self.store.put(bucket, name, chunks, meta, content_type)

    def open(self, who: Caller, bucket: str, name: str) -> tuple[BlobInfo, Iterator[bytes]]:
        self._owned(who, bucket)
        return self.store.open(bucket, name)

    def head(self, who: Caller, bucket: str, name: str) -> BlobInfo:
        self._owned(who, bucket)
        return self.store.head(bucket, name)

    def set_meta(self, who: Caller, bucket: str, name: str, meta: dict[str, str]) -> BlobInfo:
        self._owned(who, bucket)
        return self.store.set_meta(bucket, name, meta)

    def blobs(self, who: Caller, bucket: str) -> list[BlobInfo]:
        self._owned(who, bucket)
        return self.store.list_blobs(bucket)

    def delete_blob(self, who: Caller, bucket: str, name: str) -> None:
        self._owned(who, bucket)
        self.store.delete(bucket, name)

    # --- segmented upload -------------------------------------------------------------------

    def begin_upload(self, who: Caller, bucket: str, name: str) -> str:
        self._owned(who, bucket)
        return self.store.begin_upload(bucket, name)

    def put_segment(self, who: Caller, bucket: str, upload: str, order: int, chunks: Chunks) -> str:
        self._owned(who, bucket)
        return self.store.put_segment(bucket, upload, order, chunks)

    def finish_upload(
        self,
        who: Caller,
        bucket: str,
        upload: str,
        manifest: list[str],
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        self._owned(who, bucket)
        if len(manifest) > MAX_SEGMENTS:
            raise ValidationError(
                f"the manifest names {len(manifest)} segments; at most {MAX_SEGMENTS} make a blob",
                segments=len(manifest),
            )
        return self.store.finish_upload(bucket, upload, manifest, meta, content_type)

    def abort_upload(self, who: Caller, bucket: str, upload: str) -> None:
        self._owned(who, bucket)
        self.store.abort_upload(bucket, upload)

    # --- private ----------------------------------------------------------------------------

    def _owned(self, who: Caller, bucket: str) -> str:
        """The bucket's owner if ``who`` may touch it; NotFound (as for no bucket) if not."""
        check_bucket_name(bucket)
        try:
            owner = self.store.bucket_owner(bucket)
        except NotFound:
            owner = None
        if owner is None or not can_see(who, owner):
            raise NotFound(f"no bucket {bucket!r}", bucket=bucket)
        return owner


HANDOFF = 1 << 20  # bytes gathered on the event loop before one hop to the store's thread


def sync_chunks(chunks: AsyncIterator[bytes], loop: asyncio.AbstractEventLoop) -> Iterator[bytes]:
    """An async stream (a request body) as a blocking iterator for a store on a worker thread.

    Chunks are pulled on ``loop`` when the store asks for more and handed over about
    ``HANDOFF`` bytes at a time (a server's chunks are ~64 KiB; a thread hop each would cost more
    than the write); one batch is read ahead, so at most twice that much of the body is held.
    Must not be iterated on ``loop``'s own thread."""
    pending = asyncio.run_coroutine_threadsafe(_next(chunks), loop)
    while True:
        chunk = pending.result()
        if chunk is None:
            return
        # The next batch is read while this one is written: network and disk overlap.
        pending = asyncio.run_coroutine_threadsafe(_next(chunks), loop)
        try:
            yield chunk
        except GeneratorExit:
            pending.cancel()
            raise


async def _next(chunks: AsyncIterator[bytes]) -> bytes | None:
    """The next ~``HANDOFF`` bytes, None at the end (StopAsyncIteration does not cross a future)."""
    gathered: list[bytes] = []
    held = 0
    while held < HANDOFF:
        try:
            piece = await chunks.__anext__()
        except StopAsyncIteration:
            break
        gathered.append(piece)
        held += len(piece)
    if not gathered:
        return None
    return gathered[0] if len(gathered) == 1 else b"".join(gathered)


_END = object()


def _pull(chunks: Iterator[bytes]) -> object:
    """The next chunk, or ``_END`` (StopIteration cannot cross ``asyncio.to_thread``)."""
    return next(chunks, _END)


async def async_chunks(chunks: Iterator[bytes]) -> AsyncGenerator[bytes, None]:
    """A blocking stream (a store's reads) as an async one, the next chunk read while this is sent.

    Without the read-ahead a GET alternates: the disk waits while the socket drains, then the
    socket waits on the disk (measured: a blob read from disk came out at ~1/8 of ``dd``'s rate,
    from the page cache at full speed). One chunk is held ahead, so memory stays at two chunks.
    ``chunks`` is closed however the stream ends (a client gone midway closes the store's file)."""
    pending = asyncio.ensure_future(asyncio.to_thread(_pull, chunks))
    try:
        while True:
            chunk = await pending
            if chunk is _END:
                return
            pending = asyncio.ensure_future(asyncio.to_thread(_pull, chunks))
            assert isinstance(chunk, bytes)
            yield chunk
    finally:
        # A read still in flight finishes before the file is closed under it.
        if not pending.done():
            await asyncio.wait([pending])
        close: Any = getattr(chunks, "close", None)
        if close is not None:
            close()
