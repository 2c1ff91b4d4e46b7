"""/v1/media: sources, confined listing, the cache, uploads; /v1/instances/{id}/disks: removable media.

Translation only: every decision (who may, what is safe, what a medium is) is in
``hearth.service.media.core``. Long work -- a cache fill before an attach, the verification of an
upload -- runs as a task (202 with its URL); the rest answers at once.
"""

from __future__ import annotations

import os
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hearth.drivers import Operation, formats
from hearth.drivers.resources import JSON_INTEGER, InstanceDisk, Integer, MediumSource
from hearth.service import Service
from hearth.service.media.catalogue import parse_types
from hearth.service.media.core import MediaRef, MediaService, Resolved, public_source
from hearth.vocab.device_names import DISK_DEV_PATTERN
from hearth.vocab.disk_devices import RemovableType

from ..deps import Call, CallerDep, ServiceDep, call, serving
from ..gate import STREAMED
from ..pagination import DEFAULT_LIMIT, MAX_LIMIT, Cursor, Limit, page
from .common import PREFIX, NameFilter, created_doc, json_body, task_accepted, task_doc, v1_router

router = v1_router("media")
disks_router = v1_router("disks")
MEDIA_DIR_ENV = "HEARTH_MEDIA_DIR"
UPLOAD_CHUNK = 1 << 20
Dev = Annotated[str, Path(pattern=DISK_DEV_PATTERN, description="drive name, e.g. sdb, hdc, fda")]


def media_dir(svc: Service) -> FsPath:
    """``$HEARTH_MEDIA_DIR``, else media/ beside a SQLite store (its state dir), else the default one."""
    configured = os.environ.get(MEDIA_DIR_ENV)
    if configured:
        return FsPath(configured)
    url = svc.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FsPath(url.database).parent / "media"
    from hearth.service.config import default_state_dir

    return default_state_dir() / "media"


def media_service(request: Request) -> MediaService:
    """The app's MediaService, made on first use (see ``media_dir`` for where its files live)."""
    existing: MediaService | None = getattr(request.app.state, "media", None)
    if existing is None:
        svc: Service = request.app.state.service
        existing = request.app.state.media = svc.open_media(media_dir(svc))
    return existing


MediaDep = Annotated[MediaService, Depends(media_service)]


# --- models -------------------------------------------------------------------------------------

# What a drive's medium may be named by, as the document declares it: a media id, an absolute
# path (inside a media source), or an http(s)/ftp(s) URL with a host and a file.
MEDIA_REF = rf"^(m-[A-Za-z0-9_-]+|/[^\x00]*|{formats.MEDIA_URL})$"
_SHA256: dict[str, Any] = {"pattern": formats.SHA256}
MEDIA_TYPES = r"^ *(iso|vfd|img) *( *, *(iso|vfd|img) *)*$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceCreate(_Body):
    name: str = Field(min_length=1, max_length=64)
    type: str = Field(description="dir, nfs or url-list")
    path: str | None = None
    server: str | None = None
    export: str | None = None
    urls: list[str] = Field(default_factory=list, max_length=10_000)
    cache: StrictBool = False


class SourceView(BaseModel):
    id: str
    name: str
    type: str
    path: str | None = None
    server: str | None = None
    export: str | None = None
    urls: list[str] = Field(default_factory=list)
    cache: bool = False


class MediaItemView(BaseModel):
    id: str
    source_id: str
    path: str
    name: str
    type: str | None = None
    is_dir: bool = False
    size: int | None = None
    format: str | None = None
    bootable: bool | None = None
    volume_id: str | None = None
    os: str | None = None
    floppy: str | None = None
    remote: bool = False
    error: str | None = None


class CacheItemView(BaseModel):
    sha256: str
    size: int
    last_used: float
    created: float
    users: list[str]
    urls: list[str]


class UploadCreate(_Body):
    source: str
    path: str = Field(min_length=1, max_length=4096)
    size: Integer = Field(gt=0)
    sha256: str | None = Field(None, json_schema_extra=_SHA256)


class UploadView(BaseModel):
    id: str
    source: str
    path: str
    size: int
    received: int
    complete: bool


class DiskAttachBody(_Body):
    type: RemovableType
    media: str | None = Field(
        None,
        description="a media id (m-...), an absolute path in a source, or a URL",
        json_schema_extra={"pattern": MEDIA_REF},
    )
    cache: StrictBool = False
    sha256: str | None = Field(None, json_schema_extra=_SHA256)
    sslverify: StrictBool = True
    readahead_bytes: Annotated[int, Field(gt=0, le=1 << 30, multiple_of=512), JSON_INTEGER] | None = None
    timeout_seconds: Annotated[int, Field(ge=1, le=3600), JSON_INTEGER] | None = None


class DiskChangeBody(_Body):
    media: str | None = Field(
        description="the new medium, or null to eject", json_schema_extra={"pattern": MEDIA_REF}
    )
    cache: StrictBool = False
    sha256: str | None = Field(None, json_schema_extra=_SHA256)
    sslverify: StrictBool = True
    readahead_bytes: Annotated[int, Field(gt=0, le=1 << 30, multiple_of=512), JSON_INTEGER] | None = None
    timeout_seconds: Annotated[int, Field(ge=1, le=3600), JSON_INTEGER] | None = None


def _source_view(src: Any) -> SourceView:
    return SourceView(**public_source(src))


def _upload_view(source: str, state: Any) -> UploadView:
    return UploadView(
        id=state.id,
        source=source,
        path=state.path,
        size=state.size,
        received=state.received,
        complete=state.complete,
    )


# --- sources --------------------------------------------------------------------------------------


@router.get("/media/sources")
async def list_sources(
    media: MediaDep,
    who: CallerDep,
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Any:
    found = [_source_view(s) for s in await call(media.list_sources, who, name=name)]
    return page("sources", found, limit, cursor, key=lambda s: (s.name, s.id))


@router.post("/media/sources", status_code=201, responses={201: created_doc()}, response_model=SourceView)
async def create_source(media: MediaDep, who: CallerDep, body: Annotated[SourceCreate, Body()]) -> Response:
    """Define a media source (admins only); an nfs source is mounted read-only now."""
    src = await call(media.create_source, who, **body.model_dump())
    return json_body(_source_view(src), 201, f"{PREFIX}/media/sources/{src.id}")


@router.get("/media/sources/{source}", response_model=SourceView)
async def get_source(media: MediaDep, who: CallerDep, source: str) -> Any:
    return _source_view(await call(media.get_source, who, source))


@router.delete("/media/sources/{source}", status_code=204)
async def delete_source(media: MediaDep, who: CallerDep, source: str) -> Response:
    """Forget a source (admins only); an nfs source is unmounted. Its files are left alone."""
    await call(media.delete_source, who, source)
    return Response(status_code=204)


# --- listing and the cache ------------------------------------------------------------------------


@router.get("/media")
async def list_media(
    media: MediaDep,
    who: CallerDep,
    source: Annotated[str, Query(max_length=64, description="source id or name")],
    path: Annotated[str, Query(max_length=1024, description="directory relative to the source")] = "",
    type: Annotated[
        str | None, Query(max_length=32, pattern=MEDIA_TYPES, description="iso, vfd, img (comma-separated)")
    ] = None,
    recursive: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=4096)] = None,  # the request line stays under h11's 16 KiB
) -> Any:
    """Directories and media under ``path``, typed from their content; remote entries are probed."""
    found = await call(
        media.list_media,
        who,
        source,
        path,
        types=parse_types(type),
        recursive=recursive,
        limit=limit,
        cursor=cursor,
    )
    items = [MediaItemView(**{k: getattr(i, k) for k in MediaItemView.model_fields}) for i in found.items]
    return {"media": items, "next": found.next}


@router.get("/media/cache")
async def list_cache(media: MediaDep, who: CallerDep) -> Any:
    entries = await call(media.cache_entries, who)
    items = [
        CacheItemView(
            sha256=e.sha256,
            size=e.size,
            last_used=e.last_used,
            created=e.created,
            users=list(e.users),
            urls=list(e.urls),
        )
        for e in entries
    ]
    return {"cache": items, "used": sum(e.size for e in entries), "limit": media.cache.limit, "next": None}


# --- uploads ----------------------------------------------------------------------------------------


def _split_upload(upload: str) -> tuple[str, str]:
    source, sep, ident = upload.partition(":")
    if not sep:
        from hearth.errors import NotFound

        raise NotFound(f"upload {upload[:80]!r} does not exist")
    return source, ident


@router.post("/media/uploads", status_code=201, response_model=UploadView, responses={201: created_doc()})
async def start_upload(media: MediaDep, who: CallerDep, body: Annotated[UploadCreate, Body()]) -> Response:
    """Start a resumable upload into a dir source (admins only); send it with PUT, then finish it."""
    state = await call(media.start_upload, who, body.source, body.path, body.size, body.sha256)
    src = await call(media.get_source, who, body.source)
    view = _upload_view(src.id, state)
    view.id = f"{src.id}:{state.id}"
    return json_body(view, 201, f"{PREFIX}/media/uploads/{view.id}")


@router.get("/media/uploads/{upload}", response_model=UploadView)
async def upload_status(media: MediaDep, who: CallerDep, upload: str) -> Any:
    source, ident = _split_upload(upload)
    view = _upload_view(source, await call(media.upload_status, who, source, ident))
    view.id = upload
    return view


@router.put("/media/uploads/{upload}", response_model=UploadView, openapi_extra=STREAMED)
async def upload_chunk(
    request: Request,
    media: MediaDep,
    who: CallerDep,
    upload: str,
    offset: Annotated[int, Query(ge=0, description="where this chunk starts in the file")],
) -> Any:
    """Write the request body (application/octet-stream) at ``offset``; resend from ``received``."""
    source, ident = _split_upload(upload)
    chunks = []
    held = 0
    async for piece in request.stream():
        chunks.append(piece)
        held += len(piece)
        if held >= UPLOAD_CHUNK:  # written in slices: a large PUT never sits in memory whole
            await call(media.upload_chunk, who, source, ident, offset, chunks)
            offset, chunks, held = offset + held, [], 0
    state = await call(media.upload_chunk, who, source, ident, offset, chunks)
    view = _upload_view(source, state)
    view.id = upload
    return view


@router.post("/media/uploads/{upload}/finish", status_code=202, responses=task_doc())
async def finish_upload(svc: ServiceDep, media: MediaDep, who: CallerDep, upload: str) -> Response:
    """Verify the upload (size, sha256, content) and publish it under its name, as a task."""
    source, ident = _split_upload(upload)
    await call(media.upload_status, who, source, ident)  # unknown or unfinished: an error now, not in a task

    def work(progress: Any) -> dict[str, Any]:
        facts = media.finish_upload(who, source, ident, lambda d, t: progress.update(100 * d / max(t, 1)))
        return {"type": facts.type.value, "size": facts.size, "volume_id": facts.volume_id}

    task = await call(svc.tasks.submit, who, "media.upload", f"verify upload {ident[:12]}", work)
    return task_accepted(task)


@router.delete("/media/uploads/{upload}", status_code=204)
async def abort_upload(media: MediaDep, who: CallerDep, upload: str) -> Response:
    source, ident = _split_upload(upload)
    await call(media.abort_upload, who, source, ident)
    return Response(status_code=204)


# --- removable media of an instance -----------------------------------------------------------------


def _ref(body: DiskAttachBody | DiskChangeBody, cache: bool) -> MediaRef | None:
    if body.media is None:
        return None
    return MediaRef(
        media=body.media,
        cache=body.cache or cache,
        sha256=body.sha256,
        sslverify=body.sslverify,
        readahead_bytes=body.readahead_bytes,
        timeout_seconds=body.timeout_seconds,
    )


async def _apply(
    svc: Service,
    media: MediaService,
    who: Any,
    instance_id: str,
    ref: MediaRef | None,
    apply: Any,
    status: int,
) -> Response:
    resolved: Resolved | None = None
    if ref is not None:
        resolved = await call(media.resolve, who, instance_id, ref)
    if resolved is not None and resolved.needs_download:
        fill = resolved.fill
        assert fill is not None

        def work(progress: Any) -> InstanceDisk:
            medium = fill(lambda d, t: progress.update(100 * d / t if t else 0, f"{d} bytes cached"))
            disk: InstanceDisk = apply(medium)
            return disk

        task = await call(svc.tasks.submit, who, "media.attach", f"cache media for {instance_id}", work)
        return task_accepted(task)
    medium: MediumSource | None = resolved.medium if resolved is not None else None
    disk = await call(apply, medium)
    location = f"{PREFIX}/instances/{instance_id}/disks/{disk.dev}" if status == 201 else None
    return json_body(disk, status, location)


@disks_router.get("/instances/{instance_id}/disks")
async def list_disks(
    served: Annotated[Call, serving(Operation.disks_list)],
    instance_id: str,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Any:
    disks = await served.run(served.service.disks.list, served.caller, instance_id)
    return page("disks", disks, limit, cursor, key=lambda d: (d.dev,))


@disks_router.get(
    "/instances/{instance_id}/disks/{dev}",
    response_model=InstanceDisk,
)
async def get_disk(served: Annotated[Call, serving(Operation.disks_get)], instance_id: str, dev: Dev) -> Any:
    return await served.run(served.service.disks.get, served.caller, instance_id, dev)


@disks_router.post(
    "/instances/{instance_id}/disks",
    status_code=201,
    response_model=InstanceDisk,
    responses={201: created_doc(), **task_doc("Accepted: the medium is being cached first")},
)
async def attach_disk(
    served: Annotated[Call, serving(Operation.disks_create)],
    media: MediaDep,
    instance_id: str,
    body: Annotated[DiskAttachBody, Body()],
    cache: Annotated[bool, Query(description="download remote media into the cache first")] = False,
) -> Response:
    """Put a medium in the first empty drive of the type (live when running, and persistently)."""

    svc, who = served.service, served.caller

    def apply(medium: MediumSource | None) -> InstanceDisk:
        return media.attach(who, instance_id, body.type, medium)

    return await _apply(svc, media, who, instance_id, _ref(body, cache), apply, 201)


@disks_router.put(
    "/instances/{instance_id}/disks/{dev}",
    response_model=InstanceDisk,
    responses=task_doc("Accepted: the medium is being cached first"),
)
async def change_disk(
    served: Annotated[Call, serving(Operation.disks_update)],
    media: MediaDep,
    instance_id: str,
    dev: Dev,
    body: Annotated[DiskChangeBody, Body()],
    cache: Annotated[bool, Query(description="download remote media into the cache first")] = False,
) -> Response:
    """Change the medium in place (a live CD change when running); ``{"media": null}`` ejects."""

    svc, who = served.service, served.caller

    def apply(medium: MediumSource | None) -> InstanceDisk:
        return media.change(who, instance_id, dev, medium)

    return await _apply(svc, media, who, instance_id, _ref(body, cache), apply, 200)


ROUTERS: list[APIRouter] = [router, disks_router]
