"""The blob store contract: buckets of named blobs, bytes streamed both ways, plus metadata.

A store never holds a blob whole in memory: ``put`` consumes an iterator of chunks and ``open``
returns one. Names are checked here, once, for every store: a bucket or blob name from outside
becomes a path (local) or a key (S3), so it must not be able to climb out of its bucket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from hearth.errors import ValidationError

Chunks = Iterable[bytes]

# S3's DNS-safe bucket rule, short form: lower case, digits, dots and dashes, no "..", starting
# and ending with a letter or digit; 3..63 long. Written without look-ahead so the API's JSON
# Schema can carry the same pattern (with the length as minLength/maxLength).
BUCKET_NAME_PATTERN = r"^[a-z0-9](\.?[a-z0-9-])*\.?[a-z0-9]$"
_BUCKET = re.compile(BUCKET_NAME_PATTERN)
# Blob names: slash-separated parts, none empty, "." or "..", no control characters or
# backslashes; at most 1024 bytes (the byte bound is checked apart: a schema counts characters).
_CHAR = r"[^/\\\x00-\x1f\x7f]"
_NOT_DOT = r"[^/.\\\x00-\x1f\x7f]"
_PART = rf"({_NOT_DOT}{_CHAR}*|\.{_NOT_DOT}{_CHAR}*|\.\.{_CHAR}+)"
BLOB_NAME_PATTERN = rf"^{_PART}(/{_PART})*$"
_BLOB = re.compile(BLOB_NAME_PATTERN)
# Metadata keys become HTTP header suffixes: a token, lower-cased.
_META_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def check_bucket_name(name: str) -> str:
    """``name`` if it is a safe bucket name, else ValidationError naming it."""
    if not 3 <= len(name) <= 63 or not _BUCKET.fullmatch(name):
        raise ValidationError(
            f"invalid bucket name {name!r}: use 3-63 lower-case letters, digits, '.' or '-', "
            "starting and ending with a letter or digit",
            name=name,
        )
    return name


def check_blob_name(name: str) -> str:
    """``name`` if it is a safe blob name, else ValidationError naming it.

    A slash is allowed (blobs are often named like paths) but no part may be empty, ``.`` or
    ``..``, so the name cannot reach outside its bucket on any store."""
    if len(name.encode()) > 1024 or not _BLOB.fullmatch(name):
        raise ValidationError(
            f"invalid blob name {name!r}: no empty, '.' or '..' parts, no control characters "
            "or backslashes, at most 1024 bytes",
            name=name,
        )
    return name


def check_meta(meta: dict[str, str]) -> dict[str, str]:
    """Metadata with lower-cased keys, each a header-safe token with a one-line value."""
    out: dict[str, str] = {}
    for key, value in meta.items():
        low = key.lower()
        if not _META_KEY.match(low) or "\n" in value or "\r" in value:
            raise ValidationError(f"invalid metadata {key!r}: keys are tokens, values one line", key=key)
        out[low] = value
    return out


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What HEAD answers: the blob's size, when it was last written, its user metadata."""

    bucket: str
    name: str
    size: int
    modified: float  # seconds since the epoch
    meta: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"


class BlobStore(Protocol):
    """Buckets and blobs, streamed. Errors: NotFound (no such bucket/blob/upload), Conflict
    (bucket exists, bucket not empty), ValidationError (a bad name)."""

    def create_bucket(self, bucket: str, owner_id: str) -> None: ...

    def delete_bucket(self, bucket: str) -> None: ...

    def bucket_owner(self, bucket: str) -> str:
        """The owner recorded when the bucket was created (NotFound if there is no bucket)."""
        ...

    def list_buckets(self) -> list[tuple[str, str]]:
        """Every bucket as (name, owner_id), sorted by name."""
        ...

    def put(
        self,
        bucket: str,
        name: str,
        chunks: Chunks,
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        """Write the blob from ``chunks``; it becomes visible whole, or not at all."""
        ...

    def open(self, bucket: str, name: str) -> tuple[BlobInfo, Iterator[bytes]]:
        """The blob's info and its bytes as chunks (the iterator closes the file when done)."""
        ...

    def head(self, bucket: str, name: str) -> BlobInfo: ...

    def set_meta(self, bucket: str, name: str, meta: dict[str, str]) -> BlobInfo:
        """Replace the user metadata of a blob, leaving its bytes."""
        ...

    def list_blobs(self, bucket: str) -> list[BlobInfo]: ...

    def delete(self, bucket: str, name: str) -> None: ...

    # --- segmented upload: big blobs sent in pieces, joined in the order a manifest gives ----

    def begin_upload(self, bucket: str, name: str) -> str:
        """A new upload id for a blob ``name`` in ``bucket``."""
        ...

    def put_segment(self, bucket: str, upload: str, order: int, chunks: Chunks) -> str:
        """Store one segment (``order`` ≥ 1); returns the segment id a manifest names."""
        ...

    def finish_upload(
        self,
        bucket: str,
        upload: str,
        manifest: list[str],
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        """The blob becomes the concatenation of the manifest's segments; the upload is gone."""
        ...

    def abort_upload(self, bucket: str, upload: str) -> None: ...
