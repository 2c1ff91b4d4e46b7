"""What a handler returns: a status, a document (or none), extra headers; or a body streamed
from a store (blob content), whose headers the handler sets; or, for a format no document
renders in (the state machine's gv and png), the finished body and its content type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .document import Document


@dataclass
class Answer:
    document: Document | None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterator[bytes] | None = None
    body: bytes | None = None
    content_type: str | None = None
