"""List the media under a local source directory, a page at a time, typed from content.

The walk goes through directory descriptors (``scandir`` on an fd, ``openat`` with
``O_NOFOLLOW``), so it never steps outside the directory it was opened on; symlinks are
followed only after ``paths.resolve_inside`` has shown that their target is inside the source.
Entries come in a fixed order -- names sorted, a directory's contents right after it -- which
equals ordering by the tuple of path components, so a cursor is just the last tuple returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from hearth.errors import HearthError, ValidationError
from hearth.service.media.content import MediaFacts, MediaType
from hearth.service.media.identify import Recogniser, facts_of_fd
from hearth.service.media.model import MediaItem, Page, media_id
from hearth.service.media.paths import UPLOAD_DIR, open_dir_inside, open_file_inside, split_relpath

MAX_DEPTH = 16
MAX_LIMIT = 1000
# A filtered page over a huge tree stops after this many entries per requested item and
# hands back a cursor, so one request never walks an unbounded tree.
_SCAN_PER_ITEM = 20
_SCAN_MIN = 2000

Key = tuple[str, ...]


def encode_cursor(key: Key) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> Key:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
            raise ValueError
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError("cursor is not a value this server returned as next") from None
    return tuple(raw)


@dataclass(frozen=True, slots=True)
class _Entry:
    key: Key  # components relative to the source root
    is_dir: bool
    facts: MediaFacts | None = None


def _classify_entry(dir_fd: int, name: str, root: str, key: Key, is_link: bool) -> MediaFacts | None:
    """Facts about one file entry; None when it is not media (or not safely reachable)."""
    try:
        if is_link:
            fd = open_file_inside(root, "/".join(key))
        else:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except (OSError, HearthError):
        return None  # unreadable, vanished, or a link leading out: not listed
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return facts_of_fd(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def _walk(
    dir_fd: int, root: str, prefix: Key, after: Key | None, recursive: bool, depth: int
) -> Iterator[_Entry]:
    with os.scandir(dir_fd) as it:
        names = sorted((e.name, e.is_dir(follow_symlinks=False), e.is_symlink()) for e in it)
    for name, is_dir, is_link in names:
        if name == UPLOAD_DIR and not prefix:
            continue
        key = (*prefix, name)
        inside_cursor = after is not None and after[: len(key)] == key
        if after is not None and key <= after and not (is_dir and recursive and inside_cursor):
            continue  # this entry (and, for a directory, its whole subtree) was on earlier pages
        if is_dir:
            if after is None or key > after:
                yield _Entry(key, True)
            if recursive and depth < MAX_DEPTH:
                try:
                    sub = os.open(
                        name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd
                    )
                except OSError:
                    continue
                try:
                    yield from _walk(sub, root, key, after, recursive, depth + 1)
                finally:
                    os.close(sub)
            continue
        yield _Entry(key, False, _classify_entry(dir_fd, name, root, key, is_link))


def _item(source_id: str, entry: _Entry, recognise: Recogniser | None) -> MediaItem:
    path = "/".join(entry.key)
    if entry.is_dir:
        return MediaItem(
            id=media_id(source_id, path),
            source_id=source_id,
            path=path,
            name=entry.key[-1],
            type=None,
            is_dir=True,
        )
    facts = entry.facts
    assert facts is not None
    return MediaItem(
        id=media_id(source_id, path),
        source_id=source_id,
        path=path,
        name=entry.key[-1],
        type=facts.type,
        size=facts.size,
        format=facts.format,
        bootable=facts.bootable,
        volume_id=facts.volume_id,
        os=recognise(facts) if recognise is not None else None,
        floppy=facts.floppy,
    )


def list_dir(
    source_id: str,
    root: str,
    path: str = "",
    *,
    types: frozenset[MediaType] | None = None,
    recursive: bool = False,
    limit: int = 100,
    cursor: str | None = None,
    recognise: Recogniser | None = None,
) -> Page:
    """One page of the directories and media under ``path`` of the source rooted at ``root``.

    With ``types`` only media of those types are returned (no directories); files that are
    not media are never listed.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}")
    base = split_relpath(path)
    after = decode_cursor(cursor) if cursor else None
    if after is not None and after[: len(base)] != base:
        raise ValidationError("cursor belongs to a listing of another path")
    fd, _ = open_dir_inside(root, path)
    items: list[MediaItem] = []
    budget = max(_SCAN_MIN, limit * _SCAN_PER_ITEM)
    last: Key | None = None
    more = False
    try:
        for entry in _walk(fd, root, base, after, recursive, len(base)):
            budget -= 1
            wanted = (types is None and entry.is_dir) or (
                entry.facts is not None and (types is None or entry.facts.type in types)
            )
            if wanted and len(items) == limit:
                more = True  # one more exists: the page is full and has a successor
                break
            if wanted:
                items.append(_item(source_id, entry, recognise))
            last = entry.key
            if budget <= 0:
                more = True  # stop walking; resume after the last entry examined
                break
    finally:
        os.close(fd)
    if more and len(items) == limit:
        last = tuple(items[-1].path.split("/"))
    return Page(items=items, next=encode_cursor(last) if more and last is not None else None)
