"""Describe remote media from a HEAD (or SIZE) and one Range read of its first sectors.

An installer ISO is gigabytes; its type, volume id and bootability sit in the first 48 KiB,
so probing costs one small request whatever the size of the image.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.errors import HearthError
from hearth.media.urls import file_name, redact, url_key
from hearth.service.media.content import HEAD_BYTES, MediaFacts, classify
from hearth.service.media.identify import Recogniser
from hearth.service.media.model import MediaItem, media_id
from hearth.service.media.origin import TIMEOUT, RemoteStat, open_origin, read_head


@dataclass(frozen=True, slots=True)
class Probe:
    stat: RemoteStat
    facts: MediaFacts | None  # None: reachable but not a recognised medium


def probe_url(url: str, *, verify: bool = True, timeout: float = TIMEOUT) -> Probe:
    """Stat ``url`` and classify its first HEAD_BYTES; errors name the redacted URL only."""
    origin = open_origin(url, verify=verify, timeout=timeout)
    try:
        stat = origin.stat()
        head, total = read_head(origin, HEAD_BYTES)
    finally:
        origin.close()
    size = stat.size if stat.size is not None else total
    return Probe(stat=stat, facts=classify(head, size or 0))


def remote_key(url: str) -> str:
    """The path a url-list entry has inside its source: a hash, so ids never reveal the URL."""
    return "url:" + url_key(url)[:32]


def remote_item(
    source_id: str,
    url: str,
    recognise: Recogniser | None = None,
    *,
    verify: bool = True,
    timeout: float = TIMEOUT,
) -> MediaItem:
    """A listing entry for one URL of a url-list source; a failed probe becomes the entry's ``error``."""
    ident, shown, name = media_id(source_id, remote_key(url)), redact(url), file_name(url)
    try:
        probe = probe_url(url, verify=verify, timeout=timeout)
    except HearthError as exc:
        return MediaItem(ident, source_id, shown, name, None, remote=True, error=exc.message)
    facts = probe.facts
    if facts is None:
        return MediaItem(
            ident,
            source_id,
            shown,
            name,
            None,
            size=probe.stat.size,
            remote=True,
            error="not a recognised medium",
        )
    return MediaItem(
        ident,
        source_id,
        shown,
        name,
        facts.type,
        size=facts.size,
        format=facts.format,
        bootable=facts.bootable,
        volume_id=facts.volume_id,
        os=recognise(facts) if recognise is not None else None,
        floppy=facts.floppy,
        remote=True,
    )
