"""Buckets and blobs on /api, over ``hearth.service.buckets`` (ownership is checked there).

Deltacloud 1.1.3's wire contract: a bucket lists its blobs (``size`` is their count); a blob's
document carries its bucket, length, type, modification time, user metadata and a link to its
bytes. Metadata travels as ``X-Deltacloud-Blobmeta-<name>`` headers (lower-cased names, as
Deltacloud's mock and S3 keep them): on PUT, on HEAD's 204 and on the POST that replaces it.
A PUT body and a multipart POST's file are streamed to the store, never held whole.

The segmented upload is Deltacloud's three steps, each a PUT with ``X-Deltacloud-BlobType:
segmented`` (or ``?blob_type=segmented``): without ``X-Deltacloud-SegmentedBlob`` it starts an
upload (204 naming it in that header); with it and ``X-Deltacloud-SegmentOrder: n`` the body is
segment n (204 with ``X-Deltacloud-BlobSegmentId``); with it alone the body is the manifest
``1=<segment id>, 2=<segment id>, ...`` and the blob is assembled (200, its document).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

from hearth.drivers import Caller
from hearth.errors import NotFound, ValidationError
from hearth.service.buckets import BlobInfo, Bucket, Buckets, sync_chunks
from hearth.service.config import DEFAULT_JSON_BODY

from .answer import Answer
from .context import Context
from .document import Document, Node
from .faults import DeltacloudError
from .multipart import MultipartReader, boundary_of
from .params import missing, required
from .stream import RequestBody

META = "x-deltacloud-blobmeta-"
SPOOL_IN_MEMORY = 1 << 20  # a form's file part beyond this much waits on disk, not in memory
MAX_FIELD = 64 << 10  # bytes of one plain form field
MAX_META = 100  # meta_params the form may declare


def _store(ctx: Context) -> Buckets:
    """The one Buckets the app shares with /v1, opened on first use on the event loop (a local
    store sweeps its temp files when it opens; a second one would cut the first's PUT short)."""
    holder = ctx.shared
    existing: Buckets | None = getattr(holder, "buckets", None)
    if existing is None:
        existing = ctx.service.open_buckets()
        holder.buckets = existing
    return existing


def _body(ctx: Context) -> RequestBody:
    if ctx.body is None:
        raise DeltacloudError(400, "this request needs a body")
    return ctx.body


# --- documents -----------------------------------------------------------------------------------


def _bucket_href(ctx: Context, bucket: str) -> str:
    return ctx.links.member("buckets", bucket)


def _bucket(ctx: Context, bucket: Bucket, blobs: list[str]) -> tuple[Node, Any]:
    href = _bucket_href(ctx, bucket.name)
    node = Node("bucket", {"href": href, "id": bucket.name})
    node.add("name", bucket.name)
    node.add("size", len(blobs))
    listed = []
    for blob in blobs:
        blob_href = f"{href}/{blob}"
        node.add("blob", id=blob, href=blob_href)
        listed.append({"rel": "blob", "href": blob_href, "id": blob})
    value = {"id": bucket.name, "href": href, "name": bucket.name, "size": len(blobs), "blob_list": listed}
    return node, value


def _modified(info: BlobInfo) -> str:
    """Ruby's ``Time#to_s``, as Deltacloud prints ``last_modified``."""
    return time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(info.modified))


def _blob(ctx: Context, info: BlobInfo) -> Document:
    bucket_href = _bucket_href(ctx, info.bucket)
    href = f"{bucket_href}/{info.name}"
    content = f"{href}/content"
    node = Node("blob", {"href": href, "id": info.name})
    node.add("bucket", info.bucket)
    node.add("content_length", info.size)
    node.add("content_type", info.content_type)
    node.add("last_modified", _modified(info))
    meta = node.add("user_metadata")
    for key, text in info.meta.items():
        meta.add("entry", text, key=key)
    node.add("content", href=content, rel="blob_content")
    value = {
        "id": info.name,
        "href": href,
        "bucket": {"rel": "bucket", "href": bucket_href, "id": info.bucket},
        "content_length": info.size,
        "content_type": info.content_type,
        "last_modified": _modified(info),
        "content": content,
        "user_metadata": dict(info.meta),
    }
    return Document(node, {"blob": value}, f"blob {info.name}")


def _meta_headers(meta: dict[str, str]) -> list[tuple[str, str]]:
    return [(f"X-Deltacloud-Blobmeta-{k}", v) for k, v in meta.items()]


def _meta_from_headers(ctx: Context) -> dict[str, str]:
    return {k[len(META) :]: v for k, v in ctx.request.headers.items() if k.startswith(META) and k != META}


# --- buckets -------------------------------------------------------------------------------------


def _listing(store: Buckets, who: Caller) -> list[tuple[Bucket, list[str]]]:
    out = []
    for bucket in store.list_buckets(who):
        try:
            out.append((bucket, [b.name for b in store.blobs(who, bucket.name)]))
        except NotFound:  # deleted since it was listed
            continue
    return out


async def index(ctx: Context) -> Answer:
    who = await ctx.caller()
    found = await ctx.run(_listing, _store(ctx), who)
    root = Node("buckets")
    values = []
    for bucket, blobs in found:
        node, value = _bucket(ctx, bucket, blobs)
        root.children.append(node)
        values.append(value)
    return Answer(Document(root, {"buckets": values}, "buckets"))


async def show(ctx: Context, name: str) -> Answer:
    who = await ctx.caller()
    store = _store(ctx)
    bucket = await ctx.run(store.show, who, name)
    blobs = await ctx.run(store.blobs, who, name)
    node, value = _bucket(ctx, bucket, [b.name for b in blobs])
    return Answer(Document(node, {"bucket": value}, f"bucket {name}"))


async def create(ctx: Context) -> Answer:
    who = await ctx.caller()
    name = required(ctx.request.params, "name")
    made = await ctx.run(_store(ctx).create, who, name)
    node, value = _bucket(ctx, made, [])
    href = _bucket_href(ctx, made.name)
    return Answer(Document(node, {"bucket": value}, f"bucket {made.name}"), 201, [("location", href)])


async def destroy(ctx: Context, name: str) -> Answer:
    """Only an empty bucket goes (409 while it holds blobs)."""
    who = await ctx.caller()
    await ctx.run(_store(ctx).delete, who, name)
    return Answer(None, 204)


# --- blobs ---------------------------------------------------------------------------------------


async def blob_show(ctx: Context, bucket: str, blob: str) -> Answer:
    who = await ctx.caller()
    return Answer(_blob(ctx, await ctx.run(_store(ctx).head, who, bucket, blob)))


async def blob_head(ctx: Context, bucket: str, blob: str) -> Answer:
    """The metadata as headers, no body: Deltacloud's 204."""
    who = await ctx.caller()
    info = await ctx.run(_store(ctx).head, who, bucket, blob)
    return Answer(None, 204, _meta_headers(info.meta))


async def blob_update(ctx: Context, bucket: str, blob: str) -> Answer:
    """The X-Deltacloud-Blobmeta-* headers replace the blob's metadata; 204 echoes them."""
    who = await ctx.caller()
    info = await ctx.run(_store(ctx).set_meta, who, bucket, blob, _meta_from_headers(ctx))
    return Answer(None, 204, _meta_headers(info.meta))


async def blob_destroy(ctx: Context, bucket: str, blob: str) -> Answer:
    who = await ctx.caller()
    await ctx.run(_store(ctx).delete_blob, who, bucket, blob)
    return Answer(None, 204)


def _disposition(name: str) -> str:
    if name.isascii() and all(c.isalnum() or c in "._-" for c in name):
        return f"attachment; filename={name}"
    return f"attachment; filename*=UTF-8''{quote(name)}"


async def blob_content(ctx: Context, bucket: str, blob: str) -> Answer:
    """The blob's bytes, streamed from the store as they are read."""
    who = await ctx.caller()
    info, chunks = await ctx.run(_store(ctx).open, who, bucket, blob)
    headers = [
        ("content-type", info.content_type or "application/octet-stream"),
        ("content-disposition", _disposition(info.name)),
        ("content-length", str(info.size)),
    ]
    return Answer(None, 200, headers, stream=chunks)


def _param(ctx: Context, header: str, query: str) -> str | None:
    return ctx.request.header(header) or ctx.request.params.get(query) or None


async def blob_put(ctx: Context, bucket: str, blob: str) -> Answer:
    """The body becomes the blob (200, its document); or one step of a segmented upload."""
    who = await ctx.caller()
    store = _store(ctx)
    segmented = (_param(ctx, "x-deltacloud-blobtype", "blob_type") or "").lower() == "segmented"
    if segmented:
        return await _segmented(ctx, store, who, bucket, blob)
    content_type = ctx.request.header("content-type")
    chunks = sync_chunks(_body(ctx).chunks(), asyncio.get_running_loop())
    info = await ctx.run(store.put, who, bucket, blob, chunks, _meta_from_headers(ctx), content_type)
    return Answer(_blob(ctx, info))


def _manifest(text: str) -> list[str]:
    """Deltacloud's ``1=abc , 2=def`` as the segment ids in order."""
    by_order: dict[int, str] = {}
    for entry in text.split(","):
        if not entry.strip():
            continue
        order, sep, segment = entry.strip().partition("=")
        if not sep or not order.strip().isdigit() or not segment.strip():
            raise ValidationError(f"manifest entry {entry.strip()!r} is not <order>=<segment id>")
        if int(order) in by_order:
            raise ValidationError(f"manifest names segment {int(order)} twice")
        by_order[int(order)] = segment.strip()
    if not by_order:
        raise ValidationError("the manifest names no segments: send 1=<segment id>, 2=...")
    return [by_order[k] for k in sorted(by_order)]


async def _segmented(ctx: Context, store: Buckets, who: Caller, bucket: str, blob: str) -> Answer:
    upload = _param(ctx, "x-deltacloud-segmentedblob", "segmented_blob")
    order = _param(ctx, "x-deltacloud-segmentorder", "segment_order")
    if upload is None:
        made = await ctx.run(store.begin_upload, who, bucket, blob)
        return Answer(None, 204, [("X-Deltacloud-SegmentedBlob", made)])
    if order is not None:
        if not order.strip().isdigit() or int(order) < 1:
            raise DeltacloudError(400, f"X-Deltacloud-SegmentOrder must be a number from 1, not {order!r}")
        chunks = sync_chunks(_body(ctx).chunks(), asyncio.get_running_loop())
        segment = await ctx.run(store.put_segment, who, bucket, upload, int(order), chunks)
        return Answer(None, 204, [("X-Deltacloud-BlobSegmentId", segment)])
    text = (await _body(ctx).read(DEFAULT_JSON_BODY)).decode("utf-8", "replace")
    meta = _meta_from_headers(ctx)
    info = await ctx.run(store.finish_upload, who, bucket, upload, _manifest(text), meta, None)
    return Answer(_blob(ctx, info))


# --- the form POST -------------------------------------------------------------------------------


def _form_meta(fields: dict[str, str]) -> dict[str, str]:
    """``meta_params=N`` with ``meta_name<i>``/``meta_value<i>``, as Deltacloud's form sends them."""
    count = fields.get("meta_params")
    if not count:
        return {}
    if not count.isdigit() or int(count) > MAX_META:
        raise ValidationError(f"meta_params must be a number up to {MAX_META}, not {count!r}")
    meta: dict[str, str] = {}
    for i in range(1, int(count) + 1):
        key = fields.get(f"meta_name{i}")
        if not key:
            continue
        value = fields.get(f"meta_value{i}", "")
        try:
            value.encode("latin-1")  # it will be sent back as a header
        except UnicodeEncodeError:
            raise ValidationError(f"metadata {key!r}: values must be Latin-1 text", key=key) from None
        meta[key] = value
    return meta


def _spooled(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    while chunk := spool.read(SPOOL_IN_MEMORY):
        yield chunk


def _form_create(
    store: Buckets, who: Caller, bucket: str, chunks: Iterator[bytes], boundary: bytes
) -> BlobInfo:
    """Read the form off a worker thread; the file part waits in a spool (memory up to
    ``SPOOL_IN_MEMORY``, disk beyond) because the blob's name and metadata may follow it."""
    fields: dict[str, str] = {}
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        content_type: str | None = None
        has_data = False
        for part, body in MultipartReader(chunks, boundary).parts():
            if part.name == "blob_data":
                has_data = True
                content_type = part.content_type
                for chunk in body:
                    spool.write(chunk)
                continue
            value = bytearray()
            for chunk in body:
                value += chunk
                if len(value) > MAX_FIELD:
                    raise ValidationError(f"form field {part.name!r} is longer than {MAX_FIELD} bytes")
            fields[part.name] = value.decode("utf-8", "replace")
        blob = required(fields, "blob_id")
        if not has_data:
            raise missing(fields, "blob_data")
        return store.put(who, bucket, blob, _spooled(spool), _form_meta(fields), content_type)


async def blob_create(ctx: Context, bucket: str) -> Answer:
    """POST /api/buckets/:id with blob_id, blob_data (a file) and meta_* fields: 201, the blob."""
    who = await ctx.caller()
    store = _store(ctx)
    if ctx.body is not None:  # multipart, streamed
        boundary = boundary_of(ctx.request.header("content-type") or "")
        chunks = sync_chunks(ctx.body.chunks(), asyncio.get_running_loop())
        info = await ctx.run(_form_create, store, who, bucket, chunks, boundary)
    else:  # a url-encoded form: small, already read into the parameters
        params = ctx.request.params
        blob = required(params, "blob_id")
        data = [required(params, "blob_data").encode()]
        info = await ctx.run(store.put, who, bucket, blob, data, _form_meta(params), None)
    href = f"{_bucket_href(ctx, bucket)}/{info.name}"
    return Answer(_blob(ctx, info), 201, [("location", href)])
