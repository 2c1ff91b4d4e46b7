"""The media operations every frontend shares: sources, listing, the cache, uploads, attaching.

Frontends translate HTTP or the command line to these calls. Who may do what is decided here:
only admins define sources and upload into them; everyone authenticated may list and attach.
A medium named by a user -- a media id, a path, a URL -- is resolved to what the driver puts in
the drive (``MediumSource``): local files only through a source's confinement, remote ones either
as a network disk or, with ``cache``, as the verified local copy in the cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from hearth.drivers import Caller, Driver
from hearth.drivers.resources import DiskCreate, DiskUpdate, InstanceDisk, MediumSource
from hearth.errors import Conflict, Forbidden, NotFound, ValidationError
from hearth.media.urls import check_url, has_credentials, redact
from hearth.service.media import sources as source_rules
from hearth.service.media.cache import CacheEntry, MediaCache, check_sha256
from hearth.service.media.catalogue import Located, list_source, locate
from hearth.service.media.content import MediaFacts, MediaType
from hearth.service.media.identify import Recogniser, osinfo_recogniser
from hearth.service.media.model import MediaSource, Page, SourceType, parse_media_id
from hearth.service.media.upload import Uploads, UploadState
from hearth.store import new_id, read_session, store_errors, write_session
from hearth.store.media import MediaSourceRow
from hearth.vocab.disk_devices import RemovableType

DEFAULT_CACHE_LIMIT = 20 << 30
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class MediaRef:
    """A medium as a user names it: ``media`` is a media id, an absolute path or a URL."""

    media: str
    cache: bool = False
    sha256: str | None = None
    sslverify: bool = True
    readahead_bytes: int | None = None
    timeout_seconds: int | None = None


@dataclass(frozen=True)
class Resolved:
    medium: MediumSource | None  # None until ``fill`` has run
    needs_download: bool  # a cache fill that is not a hit yet: run it as a task
    fill: Callable[[Progress | None], MediumSource] | None = None


def _source(row: MediaSourceRow) -> MediaSource:
    return MediaSource(
        id=row.id,
        name=row.name,
        type=SourceType(row.type),
        path=row.path,
        server=row.server,
        export=row.export,
        urls=tuple(row.urls or ()),
        cache=row.cache,
        root=row.root,
    )


def public_source(src: MediaSource) -> dict[str, Any]:
    """The source as it may be shown to anyone: URLs redacted."""
    return {
        "id": src.id,
        "name": src.name,
        "type": src.type.value,
        "path": src.path,
        "server": src.server,
        "export": src.export,
        "urls": source_rules.public_urls(src),
        "cache": src.cache,
    }


def _local(path: str) -> MediumSource:
    return MediumSource.model_validate({"path": path})


def _require_admin(caller: Caller, what: str) -> None:
    if not caller.is_admin:
        raise Forbidden(f"only an admin may {what}")


class MediaService:
    def __init__(
        self,
        engine: Engine,
        driver: Driver,
        media_dir: str | os.PathLike[str],
        *,
        cache_limit: int = DEFAULT_CACHE_LIMIT,
        verify_tls: bool = True,
        recognise: Recogniser | None = osinfo_recogniser,
    ) -> None:
        self.engine = engine
        self.driver = driver
        self.dir = Path(media_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)  # QEMU (libvirt-qemu) reads cached media below it
        self.cache = MediaCache(self.dir / "cache", cache_limit, verify_tls=verify_tls)
        self.verify_tls = verify_tls
        self.recognise = recognise

    # --- sources --------------------------------------------------------------------------------

    def create_source(self, caller: Caller, **spec: Any) -> MediaSource:
        _require_admin(caller, "define media sources")
        source_id = new_id()
        src = source_rules.define(source_id, state_dir=self.dir, **spec)
        with store_errors("the media store"), read_session(self.engine) as s:
            if s.scalar(select(MediaSourceRow.id).where(MediaSourceRow.name == src.name)) is not None:
                raise Conflict(f"a media source named {src.name!r} already exists", name=src.name)
        source_rules.activate(src)
        try:
            with store_errors("the media store"), write_session(self.engine) as s:
                s.add(
                    MediaSourceRow(
                        id=src.id,
                        name=src.name,
                        owner_id=caller.user_id,
                        type=src.type.value,
                        path=src.path,
                        server=src.server,
                        export=src.export,
                        urls=list(src.urls),
                        cache=src.cache,
                        root=src.root,
                    )
                )
        except BaseException:
            source_rules.deactivate(src)
            raise
        return src

    def list_sources(self, caller: Caller, *, name: str | None = None) -> list[MediaSource]:
        q = select(MediaSourceRow).order_by(MediaSourceRow.created, MediaSourceRow.id)
        if name is not None:
            q = q.where(MediaSourceRow.name == name)
        with store_errors("the media store"), read_session(self.engine) as s:
            return [_source(r) for r in s.scalars(q)]

    def get_source(self, caller: Caller, ref: str) -> MediaSource:
        """A source by id or name."""
        with store_errors("the media store"), read_session(self.engine) as s:
            row = s.get(MediaSourceRow, ref) or s.scalar(
                select(MediaSourceRow).where(MediaSourceRow.name == ref)
            )
            if row is None:
                raise NotFound(f"media source {ref[:64]!r} does not exist", kind="media_source")
            return _source(row)

    def delete_source(self, caller: Caller, ref: str) -> None:
        _require_admin(caller, "delete media sources")
        src = self.get_source(caller, ref)
        source_rules.deactivate(src)
        with store_errors("the media store"), write_session(self.engine) as s:
            row = s.get(MediaSourceRow, src.id)
            if row is not None:
                s.delete(row)

    # --- listing and the cache ------------------------------------------------------------------

    def list_media(
        self,
        caller: Caller,
        source: str,
        path: str = "",
        *,
        types: frozenset[MediaType] | None = None,
        recursive: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        src = self.get_source(caller, source)
        return list_source(
            src,
            path,
            types=types,
            recursive=recursive,
            limit=limit,
            cursor=cursor,
            recognise=self.recognise,
            verify_tls=self.verify_tls,
        )

    def cache_entries(self, caller: Caller) -> list[CacheEntry]:
        return self.cache.entries()

    # --- uploads into dir sources ---------------------------------------------------------------

    def _uploads(self, caller: Caller, source: str) -> tuple[MediaSource, Uploads]:
        _require_admin(caller, "upload media")
        src = self.get_source(caller, source)
        if src.type is not SourceType.dir or not src.root:
            raise ValidationError(f"media can only be uploaded into a dir source, not {src.type.value}")
        return src, Uploads(src.root)

    def start_upload(
        self, caller: Caller, source: str, path: str, size: int, sha256: str | None = None
    ) -> UploadState:
        return self._uploads(caller, source)[1].start(path, size, sha256)

    def upload_status(self, caller: Caller, source: str, upload_id: str) -> UploadState:
        return self._uploads(caller, source)[1].status(upload_id)

    def upload_chunk(
        self, caller: Caller, source: str, upload_id: str, offset: int, chunks: Iterable[bytes]
    ) -> UploadState:
        return self._uploads(caller, source)[1].write(upload_id, offset, chunks)

    def finish_upload(
        self, caller: Caller, source: str, upload_id: str, progress: Callable[[int, int], None] | None = None
    ) -> MediaFacts:
        return self._uploads(caller, source)[1].finish(upload_id, progress)

    def abort_upload(self, caller: Caller, source: str, upload_id: str) -> None:
        self._uploads(caller, source)[1].abort(upload_id)

    # --- attaching ------------------------------------------------------------------------------

    def _locate(self, caller: Caller, media: str) -> Located:
        if media.startswith("m-"):
            source_id, path = parse_media_id(media)
            return locate(self.get_source(caller, source_id), path)
        if "://" in media:
            check_url(media)
            return Located(source_id="", facts=None, url=media)
        if not media.startswith("/"):
            raise ValidationError("media must be a media id (m-...), an absolute path or a URL")
        real = os.path.realpath(media)
        for src in self.list_sources(caller):
            if src.type is SourceType.url_list or not src.root:
                continue
            root = os.path.realpath(src.root)
            if real.startswith(root + os.sep):
                return locate(src, os.path.relpath(real, root))
        raise Forbidden("that path is not inside any media source")

    def resolve(self, caller: Caller, instance_id: str, ref: MediaRef) -> Resolved:
        """What the driver should put in the drive for ``ref`` (downloading happens in ``fill``)."""
        located = self._locate(caller, ref.media)
        if located.path is not None:
            return Resolved(_local(located.path), needs_download=False)
        assert located.url is not None
        source_cache = False
        if located.source_id:
            source_cache = self.get_source(caller, located.source_id).cache
        use_cache = ref.cache or source_cache or has_credentials(located.url)
        expected = check_sha256(ref.sha256)
        if not use_cache:
            remote = MediumSource.model_validate(
                {
                    "url": located.url,
                    "sslverify": ref.sslverify,
                    "readahead_bytes": ref.readahead_bytes,
                    "timeout_seconds": ref.timeout_seconds,
                }
            )
            return Resolved(remote, needs_download=False)
        url = located.url
        hit = self.cache.lookup(url)
        if hit is not None and (expected is None or hit.sha256 == expected):
            entry = self.cache.acquire(hit.sha256, instance_id)
            return Resolved(_local(entry.path), needs_download=False)

        def fill(progress: Progress | None) -> MediumSource:
            got = self.cache.fetch(url, sha256=expected, user=instance_id, progress=progress)
            return _local(got.entry.path)

        return Resolved(None, needs_download=True, fill=fill)

    def _release_previous(self, disk: InstanceDisk | None, instance_id: str) -> None:
        objects = str(self.cache.root / "objects") + os.sep
        if disk is not None and disk.path and disk.path.startswith(objects):
            self.cache.release(os.path.basename(disk.path), instance_id)

    def attach(
        self, caller: Caller, instance_id: str, kind: RemovableType, medium: MediumSource | None
    ) -> InstanceDisk:
        return self.driver.create_disk(caller, instance_id, DiskCreate(type=kind, medium=medium))

    def change(self, caller: Caller, instance_id: str, dev: str, medium: MediumSource | None) -> InstanceDisk:
        before = self.driver.get_disk(caller, instance_id, dev)
        disk = self.driver.update_disk(caller, instance_id, dev, DiskUpdate(medium=medium))
        if before.path != disk.path:
            self._release_previous(before, instance_id)
        return disk

    def describe(self, ref: MediaRef) -> str:
        return redact(ref.media)
