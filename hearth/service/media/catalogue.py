"""One entry point over every source type: list a page, or locate one medium for attaching.

Dir and NFS sources are local trees (an NFS source is its mount point); a url-list source is
a fixed catalogue of URLs probed remotely, paginated by position with the URL's hash as cursor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hearth.errors import NotFound, ValidationError
from hearth.service.media.content import MediaFacts, MediaType
from hearth.service.media.identify import Recogniser, facts_of_fd
from hearth.service.media.listing import MAX_LIMIT, decode_cursor, encode_cursor, list_dir
from hearth.service.media.model import MediaItem, MediaSource, Page, SourceType
from hearth.service.media.paths import open_file_inside, resolve_inside
from hearth.service.media.probe import remote_item, remote_key


@dataclass(frozen=True, slots=True)
class Located:
    """A medium ready to attach: a local file (``path``) or a remote object (``url``)."""

    source_id: str
    facts: MediaFacts | None  # None for a URL not probed
    path: str | None = None
    url: str | None = None  # may hold credentials: never show it


def parse_types(value: str | None) -> frozenset[MediaType] | None:
    """``iso,vfd`` -> the set of types; None or empty means every type (and directories)."""
    if not value:
        return None
    chosen = set()
    for part in value.split(","):
        try:
            chosen.add(MediaType(part.strip()))
        except ValueError:
            known = ", ".join(t.value for t in MediaType)
            raise ValidationError(f"media type {part.strip()[:20]!r} is unknown; use {known}") from None
    return frozenset(chosen)


def _local_root(source: MediaSource) -> str:
    if not source.root:
        raise ValidationError(f"media source {source.name!r} has no local directory")
    return source.root


def list_source(
    source: MediaSource,
    path: str = "",
    *,
    types: frozenset[MediaType] | None = None,
    recursive: bool = False,
    limit: int = 100,
    cursor: str | None = None,
    recognise: Recogniser | None = None,
    verify_tls: bool = True,
) -> Page:
    if source.type is not SourceType.url_list:
        return list_dir(
            source.id,
            _local_root(source),
            path,
            types=types,
            recursive=recursive,
            limit=limit,
            cursor=cursor,
            recognise=recognise,
        )
    if path:
        raise ValidationError("a url-list source has no directories; leave path empty")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}")
    keys = [remote_key(u) for u in source.urls]
    start = 0
    if cursor:
        after = decode_cursor(cursor)
        if len(after) != 1 or after[0] not in keys:
            raise ValidationError("cursor is not a value this server returned as next")
        start = keys.index(after[0]) + 1
    items: list[MediaItem] = []
    index = start
    while index < len(source.urls) and len(items) < limit:
        item = remote_item(source.id, source.urls[index], recognise, verify=verify_tls)
        index += 1
        if types is None or item.type in types:
            items.append(item)
    more = index < len(source.urls)
    return Page(items=items, next=encode_cursor((keys[index - 1],)) if more else None)


def locate(source: MediaSource, path: str) -> Located:
    """The medium at ``path`` in ``source``; local files are confined and classified first."""
    if source.type is SourceType.url_list:
        for url in source.urls:
            if remote_key(url) == path:
                return Located(source_id=source.id, facts=None, url=url)
        raise NotFound(f"media source {source.name!r} has no such URL entry")
    root = _local_root(source)
    fd = open_file_inside(root, path)
    try:
        facts = facts_of_fd(fd)
    finally:
        os.close(fd)
    if facts is None:
        raise ValidationError(f"{path[:80]!r} in source {source.name!r} is not an ISO, floppy or disk image")
    return Located(source_id=source.id, facts=facts, path=str(resolve_inside(root, path)))
