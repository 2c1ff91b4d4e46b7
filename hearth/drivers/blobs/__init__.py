"""Blob stores: where bucket and blob bytes live (a local directory today, S3 later).

They sit at the drivers layer because an S3 store imports boto3, which nothing above the drivers
may do; the service's ``Buckets`` (ownership, conventions) is written against ``BlobStore`` only.
"""

from __future__ import annotations

from .contract import (
    BLOB_NAME_PATTERN,
    BUCKET_NAME_PATTERN,
    BlobInfo,
    BlobStore,
    Chunks,
    check_blob_name,
    check_bucket_name,
)
from .local import LocalBlobStore

__all__ = [
    "BLOB_NAME_PATTERN",
    "BUCKET_NAME_PATTERN",
    "BlobInfo",
    "BlobStore",
    "Chunks",
    "LocalBlobStore",
    "check_blob_name",
    "check_bucket_name",
]
