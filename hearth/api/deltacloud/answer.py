"""What a handler returns: a status, a document (or none), extra headers; or a body streamed
from a store (blob content), whose headers the handler sets."""

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
