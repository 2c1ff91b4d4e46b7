"""The media library's records: sources, the items listed from them, pages of items.

Plain frozen dataclasses so the library needs no web framework; the API turns them into its
own response models.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field

from hearth.errors import ValidationError
from hearth.service.media.content import MediaType


class SourceType(enum.StrEnum):
    dir = "dir"
    nfs = "nfs"
    url_list = "url-list"


@dataclass(frozen=True, slots=True)
class MediaSource:
    """Where media lives. ``root`` is the local directory listed (dir, or nfs's mount point)."""

    id: str
    name: str
    type: SourceType
    path: str | None = None  # dir
    server: str | None = None  # nfs
    export: str | None = None  # nfs
    urls: tuple[str, ...] = ()  # url-list, credentials included: never show these as they are
    cache: bool = False  # attach through the local cache by default
    root: str | None = None  # dir: path; nfs: mount point


@dataclass(frozen=True, slots=True)
class MediaItem:
    """One listed entry: a directory to descend into or a recognised medium."""

    id: str
    source_id: str
    path: str  # relative to the source root, or the redacted URL for url-list
    name: str
    type: MediaType | None  # None for directories
    is_dir: bool = False
    size: int | None = None
    format: str | None = None
    bootable: bool | None = None
    volume_id: str | None = None
    os: str | None = None  # osinfo short id
    floppy: str | None = None
    remote: bool = False
    error: str | None = None  # why a remote entry could not be probed


@dataclass(frozen=True, slots=True)
class Page:
    items: list[MediaItem] = field(default_factory=list)
    next: str | None = None  # opaque cursor for the following page


def media_id(source_id: str, path: str) -> str:
    """A stable, URL-safe id naming ``path`` in ``source_id``; decoding it re-enters path checks."""
    raw = f"{source_id}\x00{path}".encode()
    return "m-" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_media_id(value: str) -> tuple[str, str]:
    """(source id, path) named by a media id; the path is still untrusted and must be confined."""
    if not value.startswith("m-") or len(value) > 8192:
        raise ValidationError(f"{value[:40]!r} is not a media id")
    body = value[2:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(f"{value[:40]!r} is not a media id") from None
    source_id, sep, path = raw.partition("\x00")
    if not sep or not source_id:
        raise ValidationError(f"{value[:40]!r} is not a media id")
    return source_id, path
