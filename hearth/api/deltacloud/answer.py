"""What a handler returns: a status, a document (or none), extra headers."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import Document


@dataclass
class Answer:
    document: Document | None
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
