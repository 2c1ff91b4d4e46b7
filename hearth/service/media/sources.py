"""Validate a media source definition and bring it up or down (NFS mount, unmount).

Persisting sources is the caller's business (the service keeps them in the store); this
module only decides what a valid source is and where its files are.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hearth.errors import ValidationError
from hearth.media.urls import check_url, redact
from hearth.service.media import nfs
from hearth.service.media.model import MediaSource, SourceType

MAX_URLS = 10_000
MAX_NAME = 128


def _source_type(value: str | SourceType) -> SourceType:
    try:
        return SourceType(value)
    except ValueError:
        known = ", ".join(t.value for t in SourceType)
        raise ValidationError(
            f"media source type {str(value)[:40]!r} is unknown; use one of {known}"
        ) from None


def nfs_mountpoint(state_dir: str | os.PathLike[str], source_id: str) -> Path:
    return Path(state_dir) / "media" / "nfs" / source_id


def define(
    source_id: str,
    name: str,
    type: str | SourceType,
    *,
    state_dir: str | os.PathLike[str],
    path: str | None = None,
    server: str | None = None,
    export: str | None = None,
    urls: Sequence[str] = (),
    cache: bool = False,
) -> MediaSource:
    """A checked source: each type gets exactly the fields it needs, anything else is an error."""
    kind = _source_type(type)
    if not name or len(name) > MAX_NAME or any(ord(c) < 0x20 for c in name):
        raise ValidationError(f"media source name must be 1-{MAX_NAME} printable characters")
    given = {"path": path, "server": server, "export": export, "urls": list(urls) or None}
    needed = {
        SourceType.dir: {"path"},
        SourceType.nfs: {"server", "export"},
        SourceType.url_list: {"urls"},
    }[kind]
    missing = sorted(k for k in needed if not given[k])
    extra = sorted(k for k, v in given.items() if v and k not in needed)
    if missing:
        raise ValidationError(f"a {kind.value} media source needs {', '.join(missing)}", missing=missing)
    if extra:
        raise ValidationError(f"a {kind.value} media source does not take {', '.join(extra)}", extra=extra)
    if kind is SourceType.dir:
        assert path is not None
        if not os.path.isabs(path) or "\x00" in path:
            raise ValidationError(f"dir source path {path[:80]!r} must be an absolute path")
        root = os.path.realpath(path)
        if not os.path.isdir(root):
            raise ValidationError(f"dir source path {path[:80]!r} is not an existing directory")
        return MediaSource(source_id, name, kind, path=path, cache=cache, root=root)
    if kind is SourceType.nfs:
        assert server is not None and export is not None
        server_ok, export_ok = nfs.check_server(server), nfs.check_export(export)
        point = str(nfs_mountpoint(state_dir, source_id))
        return MediaSource(source_id, name, kind, server=server_ok, export=export_ok, cache=cache, root=point)
    if len(urls) > MAX_URLS:
        raise ValidationError(f"a url-list source holds at most {MAX_URLS} URLs")
    for url in urls:
        check_url(url)
    if len(set(urls)) != len(urls):
        raise ValidationError("a url-list source lists the same URL twice")
    return MediaSource(source_id, name, kind, urls=tuple(urls), cache=cache)


def activate(source: MediaSource) -> None:
    """Make the source's files reachable: mounts an NFS export; nothing to do for the others."""
    if source.type is SourceType.nfs:
        assert source.server and source.export and source.root
        nfs.mount(source.server, source.export, source.root)


def deactivate(source: MediaSource) -> None:
    """Undo ``activate`` (unmount NFS); safe to call on a source that was never activated."""
    if source.type is SourceType.nfs and source.root:
        nfs.unmount(source.root)


def public_urls(source: MediaSource) -> list[str]:
    """The source's URLs as they may be shown: credentials masked."""
    return [redact(u) for u in source.urls]
