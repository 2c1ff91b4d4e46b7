"""Name the operating system on an ISO through osinfo's media patterns.

Kept apart from ``content`` because loading osinfo is costly: classification stays a pure
function of bytes, and recognition is a pluggable step a caller can leave out.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hearth.service.media.content import HEAD_BYTES, MediaFacts, MediaType, classify

Recogniser = Callable[[MediaFacts], str | None]


def osinfo_recogniser(facts: MediaFacts) -> str | None:
    """The osinfo short id of the OS this ISO installs, or None when osinfo knows no such medium."""
    if facts.type is not MediaType.iso or not facts.volume_id:
        return None
    from hearth.osinfo import default_db

    match = default_db().match_media(
        facts.volume_id, facts.system_id, facts.publisher_id, facts.application_id
    )
    return match.os.short_id if match else None


def facts_of_fd(fd: int) -> MediaFacts | None:
    """Classify the open regular file ``fd`` from one positioned read (the offset is not moved)."""
    size = os.fstat(fd).st_size
    head = os.pread(fd, HEAD_BYTES, 0)
    return classify(head, size)
