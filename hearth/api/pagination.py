"""Cursor pagination for every collection: ``?limit=&cursor=`` → ``{"<plural>": [...], "next": …}``.

The cursor is the sort key of the last item returned — (created, id) for resources, the order
every listing is served in. Unlike an offset it stays correct when earlier items are deleted between
pages, and it is opaque to clients (base64 of a small JSON array).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, create_model

from hearth.errors import ValidationError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Listed(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def created(self) -> datetime: ...


T = TypeVar("T")
SortKey = Callable[[Any], tuple[str, ...]]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(max_length=512, description="the `next` value of the previous page")]


def _stamp(when: datetime) -> str:
    """Fixed-width UTC text (``YYYY-MM-DDTHH:MM:SS.ffffff``), so comparing strings compares
    instants (naive means UTC). ``isoformat`` rather than ``strftime``: it is C and several times
    faster, and every item of every listing passes through here."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.isoformat(timespec="microseconds")


def by_created(item: Listed) -> tuple[str, ...]:
    """The order of every resource listing: creation time, then id."""
    return (_stamp(item.created), item.id)


def encode_cursor(key: tuple[str, ...]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int | None) -> tuple[str, ...]:
    """The key a cursor holds; ``width`` (when known) is how many parts it must have."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
            raise ValueError
        if width is not None and len(key) != width:
            raise ValueError
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(
            "cursor is not a value this server returned as next", fields=["query parameter cursor"]
        ) from None
    return tuple(key)


def paginate(
    items: Sequence[T], limit: int, cursor: str | None, key: SortKey = by_created
) -> tuple[list[T], str | None]:
    """One page of ``items`` in ``key`` order and the cursor of the next page (None: last)."""
    ordered = sorted(items, key=key)
    if cursor is not None:
        after = decode_cursor(cursor, len(key(ordered[0])) if ordered else None)
        ordered = [i for i in ordered if key(i) > after]
    chosen = ordered[:limit]
    more = len(ordered) > limit
    return chosen, encode_cursor(key(chosen[-1])) if more and chosen else None


_PAGE_MODELS: dict[tuple[str, type[BaseModel]], type[BaseModel]] = {}


def page_model(plural: str, item: type[BaseModel]) -> type[BaseModel]:
    """The response model ``{"<plural>": [item], "next": str | null}`` (one class per pair)."""
    key = (plural, item)
    model = _PAGE_MODELS.get(key)
    if model is None:
        name = "".join(p.capitalize() for p in plural.split("_")) + "Page"
        fields: dict[str, Any] = {plural: (list[item], ...), "next": (str | None, None)}  # type: ignore[valid-type]
        model = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
        _PAGE_MODELS[key] = model
    return model


class Pages:
    """One collection's pages: the model OpenAPI documents, and the answer, validated once.

    The items are resources the service built (validated then), so checking them against the
    page model is a type check per item; the page is then serialised once, in pydantic's core.
    """

    def __init__(self, plural: str, item: type[BaseModel], model: type[BaseModel] | None = None) -> None:
        """``model``: a page model of its own, where ``page_model``'s name would clash."""
        self.plural = plural
        self.model = model or page_model(plural, item)

    def response(
        self, items: Sequence[Any], limit: int, cursor: str | None, key: SortKey = by_created
    ) -> Response:
        chosen, next_cursor = paginate(items, limit, cursor, key)
        body = self.model.model_validate({self.plural: chosen, "next": next_cursor})
        return Response(body.model_dump_json(), media_type="application/json")


def page(
    plural: str, items: Sequence[T], limit: int, cursor: str | None, key: SortKey = by_created
) -> dict[str, Any]:
    """The page body for a route whose response model is ``page_model(plural, …)``."""
    chosen, next_cursor = paginate(items, limit, cursor, key)
    return {plural: chosen, "next": next_cursor}
