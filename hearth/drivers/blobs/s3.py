"""A blob store over S3 (or anything speaking its API): the same contract as the local store.

Each Hearth bucket is an S3 bucket of the same name, its owner kept as the bucket tag
``hearth-owner`` (so, as locally, ownership stays with the bucket). Blobs are objects; their
metadata is the object's ``x-amz-meta-*``. A PUT streams: bytes are gathered into parts of
``PART_SIZE`` and sent as a multipart upload (a small blob is one PutObject), so at most one part
is held; S3 publishes an object only when it is complete, which is the same crash safety as the
local store's rename. Segmented uploads are S3 multipart uploads: a segment is a part (``order``
is its part number, at least 5 MiB except the last, as S3 requires), the manifest the parts' list.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from hearth.errors import BackendError, Conflict, HearthError, NotFound, ValidationError

from .contract import BlobInfo, Chunks, check_blob_name, check_bucket_name, check_meta

PART_SIZE = 8 << 20
READ_CHUNK = 1 << 20
OWNER_TAG = "hearth-owner"
_MISSING = {"NoSuchBucket", "NoSuchKey", "NoSuchUpload", "404", "NotFound"}
_TAKEN = {"BucketAlreadyExists", "BucketAlreadyOwnedByYou"}


class S3BlobStore:
    """``BlobStore`` over an S3 endpoint; ``client`` is a boto3 S3 client (or made from options)."""

    def __init__(self, client: Any) -> None:
        self.s3 = client

    @classmethod
    def connect(
        cls,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> S3BlobStore:
        """A store over ``endpoint_url`` (None: AWS itself), path-style so any bucket name works."""
        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )
        return cls(client)

    # --- buckets ----------------------------------------------------------------------------

    def create_bucket(self, bucket: str, owner_id: str) -> None:
        check_bucket_name(bucket)
        # us-east-1 answers a CreateBucket of a bucket the account owns with success, and the tag
        # below would then hand it to a new owner: an existing bucket is refused first.
        if self._exists(bucket):
            raise Conflict(f"bucket {bucket!r} already exists", bucket=bucket)
        with _mapped(bucket):
            self.s3.create_bucket(Bucket=bucket)
            self.s3.put_bucket_tagging(
                Bucket=bucket, Tagging={"TagSet": [{"Key": OWNER_TAG, "Value": owner_id}]}
            )

    def _exists(self, bucket: str) -> bool:
        try:
            self.s3.head_bucket(Bucket=bucket)
        except ClientError as e:
            if _code(e) in _MISSING:
                return False
            raise BackendError(f"S3 refused: {_code(e)}", code=_code(e)) from None
        return True

    def delete_bucket(self, bucket: str) -> None:
        self.bucket_owner(bucket)
        with _mapped(bucket):
            if self.s3.list_objects_v2(Bucket=check_bucket_name(bucket), MaxKeys=1).get("KeyCount", 0):
                raise Conflict(f"bucket {bucket!r} is not empty: delete its blobs first", bucket=bucket)
            self.s3.delete_bucket(Bucket=bucket)

    def bucket_owner(self, bucket: str) -> str:
        check_bucket_name(bucket)
        with _mapped(bucket):
            try:
                tags = self.s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
            except ClientError as e:
                if _code(e) == "NoSuchTagSet":  # a bucket Hearth did not make is none of its own
                    raise NotFound(f"no bucket {bucket!r}", bucket=bucket) from None
                raise
        for tag in tags:
            if tag["Key"] == OWNER_TAG:
                return str(tag["Value"])
        raise NotFound(f"no bucket {bucket!r}", bucket=bucket)

    def list_buckets(self) -> list[tuple[str, str]]:
        with _mapped(None):
            names = sorted(b["Name"] for b in self.s3.list_buckets().get("Buckets", []))
        out = []
        for name in names:
            try:
                out.append((name, self.bucket_owner(name)))
            except (NotFound, ValidationError):
                continue
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
        check_bucket_name(bucket)
        check_blob_name(name)
        extra = {
            "Metadata": check_meta(meta or {}),
            "ContentType": content_type or "application/octet-stream",
        }
        with _mapped(bucket, name):
            parts = _parts(chunks)
            first = next(parts, b"")
            second = next(parts, None)
            if second is None:  # small: one request
                self.s3.put_object(Bucket=bucket, Key=name, Body=first, **extra)
                return self.head(bucket, name)
            upload = self.s3.create_multipart_upload(Bucket=bucket, Key=name, **extra)["UploadId"]
            try:
                done = []
                for number, part in enumerate(_chain(first, second, parts), start=1):
                    etag = self.s3.upload_part(
                        Bucket=bucket, Key=name, UploadId=upload, PartNumber=number, Body=part
                    )["ETag"]
                    done.append({"PartNumber": number, "ETag": etag})
                self.s3.complete_multipart_upload(
                    Bucket=bucket, Key=name, UploadId=upload, MultipartUpload={"Parts": done}
                )
            except BaseException:
                self.s3.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload)
                raise
        return self.head(bucket, name)

    def open(self, bucket: str, name: str) -> tuple[BlobInfo, Iterator[bytes]]:
        check_bucket_name(bucket)
        check_blob_name(name)
        with _mapped(bucket, name):
            got = self.s3.get_object(Bucket=bucket, Key=name)
        info = _info(bucket, name, got["ContentLength"], got)
        return info, _stream(got["Body"])

    def head(self, bucket: str, name: str) -> BlobInfo:
        check_bucket_name(bucket)
        check_blob_name(name)
        with _mapped(bucket, name):
            got = self.s3.head_object(Bucket=bucket, Key=name)
        return _info(bucket, name, got["ContentLength"], got)

    def set_meta(self, bucket: str, name: str, meta: dict[str, str]) -> BlobInfo:
        now = self.head(bucket, name)
        with _mapped(bucket, name):
            self.s3.copy_object(
                Bucket=bucket,
                Key=name,
                CopySource={"Bucket": bucket, "Key": name},
                Metadata=check_meta(meta),
                MetadataDirective="REPLACE",
                ContentType=now.content_type,
            )
        return self.head(bucket, name)

    def list_blobs(self, bucket: str) -> list[BlobInfo]:
        check_bucket_name(bucket)
        with _mapped(bucket):
            keys = [
                obj["Key"]
                for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for obj in page.get("Contents", [])
            ]
        return [self.head(bucket, k) for k in sorted(keys)]  # the metadata needs a HEAD each

    def delete(self, bucket: str, name: str) -> None:
        self.head(bucket, name)  # S3 deletes a missing key silently; the contract says NotFound
        with _mapped(bucket, name):
            self.s3.delete_object(Bucket=bucket, Key=name)

    # --- segmented upload -------------------------------------------------------------------

    def begin_upload(self, bucket: str, name: str) -> str:
        check_bucket_name(bucket)
        check_blob_name(name)
        with _mapped(bucket, name):
            upload = self.s3.create_multipart_upload(Bucket=bucket, Key=name)["UploadId"]
        return _upload_id(name, upload)

    def put_segment(self, bucket: str, upload: str, order: int, chunks: Chunks) -> str:
        if not 1 <= order <= 10000:
            raise ValidationError(f"segment order must be 1 to 10000 on S3, not {order}", order=order)
        name, ident = _split_upload(upload)
        with _mapped(bucket, name, upload):  # an aborted upload: NoSuchUpload here, not a 500 later
            self.s3.list_parts(Bucket=bucket, Key=name, UploadId=ident, MaxParts=1)
        # A part needs its length up front: spooled, in memory up to one part, on disk beyond.
        with tempfile.SpooledTemporaryFile(max_size=PART_SIZE) as spool, _mapped(bucket, name, upload):
            for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            etag = self.s3.upload_part(Bucket=bucket, Key=name, UploadId=ident, PartNumber=order, Body=spool)[
                "ETag"
            ]
        return f"{order}:{etag.strip(chr(34))}"

    def finish_upload(
        self,
        bucket: str,
        upload: str,
        manifest: list[str],
        meta: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> BlobInfo:
        name, ident = _split_upload(upload)
        if not manifest:
            raise ValidationError("a manifest names at least one segment")
        parts = []
        for segment in manifest:
            number, _, etag = segment.partition(":")
            if not number.isdigit() or not etag:
                raise ValidationError(
                    f"segment {segment!r} is not part of upload {upload!r}", segment=segment
                )
            parts.append({"PartNumber": int(number), "ETag": f'"{etag}"'})
        numbers = [int(n.partition(":")[0]) for n in manifest]
        if numbers != sorted(set(numbers)):
            raise ValidationError("on S3 a manifest lists segments in ascending order, each once")
        with _mapped(bucket, name, upload):
            self.s3.complete_multipart_upload(
                Bucket=bucket, Key=name, UploadId=ident, MultipartUpload={"Parts": parts}
            )
        if meta or content_type:
            self.s3.copy_object(
                Bucket=bucket,
                Key=name,
                CopySource={"Bucket": bucket, "Key": name},
                Metadata=check_meta(meta or {}),
                MetadataDirective="REPLACE",
                ContentType=content_type or "application/octet-stream",
            )
        return self.head(bucket, name)

    def abort_upload(self, bucket: str, upload: str) -> None:
        name, ident = _split_upload(upload)
        with _mapped(bucket, name, upload):
            self.s3.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=ident)


class _mapped:
    """Turn botocore's errors into the contract's: NotFound, Conflict, else BackendError."""

    def __init__(self, bucket: str | None, name: str | None = None, upload: str | None = None) -> None:
        self.what = (bucket, name, upload)

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, HearthError):
            return
        bucket, name, upload = self.what
        if isinstance(exc, ClientError):
            code = _code(exc)
            if code in _MISSING:
                if code == "NoSuchUpload" or (upload and code == "404"):
                    raise NotFound(f"no upload {upload!r}", upload=upload) from None
                if code == "NoSuchBucket" or name is None:
                    raise NotFound(f"no bucket {bucket!r}", bucket=bucket) from None
                raise NotFound(f"no blob {name!r} in bucket {bucket!r}", bucket=bucket, blob=name) from None
            if code in _TAKEN:
                raise Conflict(f"bucket {bucket!r} already exists", bucket=bucket) from None
            raise BackendError(f"S3 refused: {code}", code=code) from None
        if isinstance(exc, BotoCoreError):
            raise BackendError(f"S3 unreachable: {type(exc).__name__}") from None


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def _parts(chunks: Chunks) -> Iterator[bytes]:
    """``chunks`` regrouped into parts of ``PART_SIZE`` (the last shorter); one held at a time."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk)
        size += len(chunk)
        if size >= PART_SIZE:
            joined = b"".join(held)
            yield joined[:PART_SIZE]
            rest = joined[PART_SIZE:]
            held, size = ([rest], len(rest)) if rest else ([], 0)
    if held:
        yield b"".join(held)


def _chain(first: bytes, second: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield second
    yield from rest


def _stream(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK)
    finally:
        body.close()


def _info(bucket: str, name: str, size: int, got: dict[str, Any]) -> BlobInfo:
    return BlobInfo(
        bucket=bucket,
        name=name,
        size=int(size),
        modified=got["LastModified"].timestamp(),
        meta=dict(got.get("Metadata", {})),
        content_type=got.get("ContentType", "application/octet-stream"),
    )


def _upload_id(name: str, upload: str) -> str:
    """S3 needs the key with the upload id; both travel in the contract's one opaque id."""
    return base64.urlsafe_b64encode(json.dumps([name, upload]).encode()).decode().rstrip("=")


def _split_upload(upload: str) -> tuple[str, str]:
    try:
        name, ident = json.loads(base64.urlsafe_b64decode(upload + "=" * (-len(upload) % 4)))
        return check_blob_name(str(name)), str(ident)
    except (ValueError, TypeError, ValidationError):
        raise NotFound(f"no upload {upload!r}", upload=upload) from None
