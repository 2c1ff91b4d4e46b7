"""/v1/buckets: buckets of blobs, each bucket its creator's; blob bytes streamed both ways.

Translation only: ownership and names are checked in ``hearth.service.buckets``. Conventions:

- ``PUT /v1/buckets/{b}/blobs/{name}`` takes the raw bytes as its body (any Content-Type, which
  is kept and served back); each ``X-Hearth-Meta-<key>: <value>`` header becomes metadata
  ``<key>`` (lower-cased). The body goes to the store chunk by chunk, never whole in memory.
- ``GET …/blobs/{name}`` answers the blob's JSON record; ``GET …/blobs/{name}/content`` its
  bytes (streamed, with Content-Length, Content-Disposition and the metadata headers); ``HEAD
  …/blobs/{name}`` the headers alone; ``PATCH …/blobs/{name}`` with ``{"meta": {…}}`` replaces
  the metadata. Because ``/content`` ends the content route, a blob whose name itself ends in
  ``/content`` is read with its record route only through the listing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from hearth.service.buckets import (
    BLOB_NAME_PATTERN,
    BUCKET_NAME_PATTERN,
    MAX_SEGMENTS,
    BlobInfo,
    Bucket,
    Buckets,
    async_chunks,
    sync_chunks,
)

from ..deps import CallDep, call
from ..gate import STREAMED
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, NameFilter, created_doc, json_body, v1_router

router = v1_router("buckets")
META_PREFIX = "x-hearth-meta-"
# The patterns are the store's own; they go in the schema only, so a bad name is refused by the
# store's check, whose message says what a good name is (pydantic would only quote the pattern).
_BUCKET_SCHEMA: dict[str, Any] = {"pattern": BUCKET_NAME_PATTERN, "minLength": 3, "maxLength": 63}
BucketName = Annotated[
    str, Path(json_schema_extra=_BUCKET_SCHEMA, description="bucket name (3-63, a-z 0-9 . -)")
]
BlobName = Annotated[
    str,
    Path(
        json_schema_extra={"pattern": BLOB_NAME_PATTERN, "minLength": 1, "maxLength": 1024},
        description="blob name; may contain '/'",
    ),
]


class BucketView(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the bucket's name, which is its id")
    name: str = Field(description="3-63 lower-case letters, digits, '.' or '-'")
    owner_id: str = Field(description="the user who created the bucket")
    blob_count: int | None = Field(None, description="how many blobs it holds (shown, not listed)")
    href: str = Field(description="URL of the bucket")


class BlobView(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the blob's name within its bucket")
    bucket: str = Field(description="the bucket holding it")
    size: int = Field(description="bytes")
    content_type: str = Field(description="the Content-Type it was put with")
    modified: datetime = Field(description="when its bytes or metadata were last written")
    meta: dict[str, str] = Field(description="user metadata (X-Hearth-Meta-* headers)")
    content: str = Field(description="URL of its bytes")


class BucketBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(
        json_schema_extra=_BUCKET_SCHEMA,
        description="the new bucket's name: 3-63 lower-case letters, digits, '.' or '-'",
    )


class MetaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meta: dict[str, str] = Field(description="the blob's metadata, replacing what it had")


BUCKETS = Pages("buckets", BucketView)
BLOBS = Pages("blobs", BlobView)


async def buckets_service(request: Request) -> Buckets:
    """The app's Buckets, opened on first use (``hearth.service.buckets.blobs_dir``: where).

    On the event loop, not a worker thread, so two first requests cannot open two stores (a
    local store sweeps its temp files when it opens, which would cut the other's PUT short)."""
    existing: Buckets | None = getattr(request.app.state, "buckets", None)
    if existing is None:
        existing = request.app.state.buckets = request.app.state.service.open_buckets()
    return existing


BucketsDep = Annotated[Buckets, Depends(buckets_service)]


def _bucket_view(b: Bucket) -> BucketView:
    return BucketView(
        id=b.name, name=b.name, owner_id=b.owner_id, blob_count=b.blob_count, href=_href(b.name)
    )


def _href(bucket: str, blob: str | None = None) -> str:
    base = f"{PREFIX}/buckets/{quote(bucket)}"
    return base if blob is None else f"{base}/blobs/{quote(blob)}"


def _blob_view(info: BlobInfo) -> BlobView:
    return BlobView(
        id=info.name,
        bucket=info.bucket,
        size=info.size,
        content_type=info.content_type,
        modified=datetime.fromtimestamp(info.modified, UTC),
        meta=info.meta,
        content=_href(info.bucket, info.name) + "/content",
    )


def _headers(info: BlobInfo) -> dict[str, str]:
    filename = info.name.rsplit("/", 1)[-1]
    headers = {
        "Content-Length": str(info.size),
        "Content-Type": info.content_type,
        "Last-Modified": formatdate(info.modified, usegmt=True),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
    }
    headers.update({META_PREFIX + k: v for k, v in info.meta.items()})
    return headers


# --- buckets ------------------------------------------------------------------------------------


@router.get("/buckets", response_model=BUCKETS.model)
async def list_buckets(
    c: CallDep,
    buckets: BucketsDep,
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    found = await call(buckets.list_buckets, c.caller, name=name)
    return BUCKETS.response([_bucket_view(b) for b in found], limit, cursor, key=lambda v: (v.name,))


@router.post("/buckets", status_code=201, response_model=BucketView, responses={201: created_doc()})
async def create_bucket(c: CallDep, buckets: BucketsDep, body: BucketBody) -> Response:
    made = await call(buckets.create, c.caller, body.name)
    return json_body(_bucket_view(made), 201, _href(made.name))


@router.get("/buckets/{bucket}", response_model=BucketView)
async def show_bucket(c: CallDep, buckets: BucketsDep, bucket: BucketName) -> Response:
    return json_body(_bucket_view(await call(buckets.show, c.caller, bucket)))


@router.delete("/buckets/{bucket}", status_code=204)
async def delete_bucket(c: CallDep, buckets: BucketsDep, bucket: BucketName) -> Response:
    """Only an empty bucket is deleted (409 while it holds blobs)."""
    await call(buckets.delete, c.caller, bucket)
    return Response(status_code=204)


# --- blobs --------------------------------------------------------------------------------------


@router.get("/buckets/{bucket}/blobs", response_model=BLOBS.model)
async def list_blobs(
    c: CallDep, buckets: BucketsDep, bucket: BucketName, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Response:
    found = await call(buckets.blobs, c.caller, bucket)
    return BLOBS.response([_blob_view(b) for b in found], limit, cursor, key=lambda v: (v.id,))


@router.put(
    "/buckets/{bucket}/blobs/{blob:path}",
    status_code=201,
    response_model=BlobView,
    openapi_extra=STREAMED,
    responses={201: created_doc()},
)
async def put_blob(
    request: Request, c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName
) -> Response:
    """The body is the blob's bytes, streamed to the store; X-Hearth-Meta-* headers its metadata."""
    meta = {k[len(META_PREFIX) :]: v for k, v in request.headers.items() if k.lower().startswith(META_PREFIX)}
    content_type = request.headers.get("content-type")
    chunks = sync_chunks(request.stream().__aiter__(), asyncio.get_running_loop())
    info = await call(buckets.put, c.caller, bucket, blob, chunks, meta, content_type)
    return json_body(_blob_view(info), 201, _href(bucket, blob))


@router.get("/buckets/{bucket}/blobs/{blob:path}/content", response_class=StreamingResponse)
async def blob_content(c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName) -> Response:
    """The blob's bytes, streamed from the store with one chunk read ahead (``async_chunks``)."""
    info, chunks = await call(buckets.open, c.caller, bucket, blob)
    return StreamingResponse(async_chunks(chunks), headers=_headers(info), media_type=info.content_type)


@router.head("/buckets/{bucket}/blobs/{blob:path}")
async def head_blob(c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName) -> Response:
    info = await call(buckets.head, c.caller, bucket, blob)
    return Response(status_code=200, headers=_headers(info))


@router.get("/buckets/{bucket}/blobs/{blob:path}", response_model=BlobView)
async def show_blob(c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName) -> Response:
    return json_body(_blob_view(await call(buckets.head, c.caller, bucket, blob)))


@router.patch("/buckets/{bucket}/blobs/{blob:path}", response_model=BlobView)
async def set_blob_meta(
    c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName, body: MetaBody
) -> Response:
    return json_body(_blob_view(await call(buckets.set_meta, c.caller, bucket, blob, body.meta)))


@router.delete("/buckets/{bucket}/blobs/{blob:path}", status_code=204)
async def delete_blob(c: CallDep, buckets: BucketsDep, bucket: BucketName, blob: BlobName) -> Response:
    await call(buckets.delete_blob, c.caller, bucket, blob)
    return Response(status_code=204)


# --- segmented upload ---------------------------------------------------------------------------


class UploadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    blob: str = Field(description="name of the blob the upload will make")


class UploadView(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the upload's id: send segments to it, then finish it")
    bucket: str
    blob: str
    href: str = Field(description="URL of the upload")


class SegmentView(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="the segment's id, for the manifest")
    order: int = Field(description="the order number it was sent with")


class FinishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    manifest: list[str] = Field(
        max_length=MAX_SEGMENTS, description="segment ids in the order their bytes make the blob"
    )
    meta: dict[str, str] = Field(default_factory=dict, description="the blob's metadata")
    content_type: str | None = Field(None, description="the blob's Content-Type")


def _upload_href(bucket: str, upload: str) -> str:
    return f"{_href(bucket)}/uploads/{quote(upload)}"


@router.post(
    "/buckets/{bucket}/uploads", status_code=201, response_model=UploadView, responses={201: created_doc()}
)
async def begin_upload(c: CallDep, buckets: BucketsDep, bucket: BucketName, body: UploadBody) -> Response:
    """Start a segmented upload: segments may come in any order (and in parallel), then finish."""
    upload = await call(buckets.begin_upload, c.caller, bucket, body.blob)
    href = _upload_href(bucket, upload)
    return json_body(UploadView(id=upload, bucket=bucket, blob=body.blob, href=href), 201, href)


@router.put(
    "/buckets/{bucket}/uploads/{upload}/segments/{order}",
    status_code=201,
    response_model=SegmentView,
    openapi_extra=STREAMED,
)
async def put_segment(
    request: Request,
    c: CallDep,
    buckets: BucketsDep,
    bucket: BucketName,
    upload: Annotated[str, Path(min_length=1, max_length=2048)],
    order: Annotated[int, Path(ge=1, description="the segment's order number, from 1")],
) -> Response:
    """The body is the segment's bytes, streamed to the store."""
    chunks = sync_chunks(request.stream().__aiter__(), asyncio.get_running_loop())
    segment = await call(buckets.put_segment, c.caller, bucket, upload, order, chunks)
    return json_body(SegmentView(id=segment, order=order), 201)


@router.post(
    "/buckets/{bucket}/uploads/{upload}/finish",
    status_code=201,
    response_model=BlobView,
    responses={201: created_doc()},
)
async def finish_upload(
    c: CallDep,
    buckets: BucketsDep,
    bucket: BucketName,
    upload: Annotated[str, Path(min_length=1, max_length=2048)],
    body: FinishBody,
) -> Response:
    """The blob becomes the manifest's segments joined in order; the upload is gone."""
    info = await call(
        buckets.finish_upload, c.caller, bucket, upload, body.manifest, body.meta, body.content_type
    )
    return json_body(_blob_view(info), 201, _href(bucket, info.name))


@router.delete("/buckets/{bucket}/uploads/{upload}", status_code=204)
async def abort_upload(
    c: CallDep,
    buckets: BucketsDep,
    bucket: BucketName,
    upload: Annotated[str, Path(min_length=1, max_length=2048)],
) -> Response:
    await call(buckets.abort_upload, c.caller, bucket, upload)
    return Response(status_code=204)
