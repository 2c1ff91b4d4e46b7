"""``?name=``: narrowing a listing to the items with exactly one name, the same for every collection.

In the service, not the frontends, so every frontend (and every backend behind it) filters alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar


class Named(Protocol):
    @property
    def name(self) -> str | None: ...


N = TypeVar("N", bound=Named)


def named(items: Iterable[N], name: str | None) -> list[N]:
    """``items`` whose name is exactly ``name`` (case and all); every item when ``name`` is None.

    An unknown name is an empty list, not an error: a filter that matches nothing.
    """
    if name is None:
        return list(items)
    return [item for item in items if item.name == name]
