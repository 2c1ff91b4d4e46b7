"""EC2's ``Filter.N.Name`` / ``Filter.N.Value.M``: parsed once, matched against resources.

Filters AND together and a filter's values OR, each value an EC2 wildcard pattern (``*`` any run,
``?`` one character, ``\\`` escapes either). A collection declares its filter names with a function
from a resource to the strings that name reads; ``tag:<key>`` and ``tag-key`` come with the
collection's tags. An unknown filter name is an error, not a filter that silently matches all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .faults import bad, missing
from .params import Params

T = TypeVar("T")
Extract = Callable[[T], Iterable[str]]
TAG_PREFIX = "tag:"


@dataclass(frozen=True)
class Filter:
    name: str
    values: tuple[str, ...]


def read_filters(params: Params, name: str = "Filter") -> list[Filter]:
    found: list[Filter] = []
    for member in params.structs(name):
        member.refuse_unknown(("Name", "Value"))
        filter_name = member.text("Name")
        if not filter_name:
            raise missing(member.full("Name"))
        values = member.strings("Value")
        if not values:
            raise bad(f"The filter '{filter_name}' needs at least one value")
        found.append(Filter(filter_name, tuple(values)))
    return found


def pattern(value: str) -> re.Pattern[str]:
    """The regular expression of one EC2 filter value."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _no_tags(_: object) -> Mapping[str, str]:
    return {}


class FilterSet(Generic[T]):
    """The filters one collection takes: ``fields`` maps a filter name to what it reads."""

    def __init__(
        self, fields: Mapping[str, Extract[T]], tags: Callable[[T], Mapping[str, str]] | None = None
    ) -> None:
        self.fields = fields
        self.tags = tags

    def _extract(self, name: str) -> Extract[T]:
        field = self.fields.get(name)
        if field is not None:
            return field
        if self.tags is not None:
            tags = self.tags
            if name.startswith(TAG_PREFIX) and len(name) > len(TAG_PREFIX):
                key = name[len(TAG_PREFIX) :]
                return lambda item: [v for k, v in tags(item).items() if k == key]
            if name == "tag-key":
                return lambda item: list(tags(item))
            if name == "tag-value":
                return lambda item: list(tags(item).values())
        raise bad(f"The filter '{name}' is invalid")

    def matcher(self, filters: Sequence[Filter]) -> Callable[[T], bool]:
        """A test for one resource; every filter name is checked now, before anything is listed."""
        checks = [(self._extract(f.name), [pattern(v) for v in f.values]) for f in filters]

        def matches(item: T) -> bool:
            for extract, patterns in checks:
                values = list(extract(item))
                if not any(p.fullmatch(v) for p in patterns for v in values):
                    return False
            return True

        return matches

    def apply(self, filters: Sequence[Filter], items: Iterable[T]) -> list[T]:
        keep = self.matcher(filters)
        return [item for item in items if keep(item)]
