"""What a handler returns: a status, a document (or none), extra headers; or, for a format no
document renders in (the state machine's gv and png), the finished body and its content type."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import Document


@dataclass
class Answer:
    document: Document | None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
