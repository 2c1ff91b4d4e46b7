"""The lookup keys and listing facts of every OS, with the ``OS`` objects made on first use.

A catalog is filled either from libosinfo (every ``OS`` already in hand) or from the cache
(only the entries; each ``OS`` is decoded when first asked for). Both build their keys with
the same code here, so lookups, listings and suggestions cannot differ between the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from hearth.osinfo.model import ALL_ARCHES, OS

Loader = Callable[[str], OS]


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """fedora9 before fedora10: digit runs compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


class Entry(NamedTuple):
    """What finding and listing an OS needs, without the OS itself (a tuple: cheap to make in bulk)."""

    short_id: str
    id: str
    name: str
    family: str | None
    short_ids: tuple[str, ...]

    @classmethod
    def of(cls, o: OS) -> Entry:
        return cls(short_id=o.short_id, id=o.id, name=o.name, family=o.family, short_ids=o.short_ids)

    def matches(self, needle: str) -> bool:
        """``needle`` (lower case) is in the name or in one of the short-ids, ignoring case."""
        return needle in self.name.lower() or any(needle in s.lower() for s in self.short_ids)


def arches_named(oses: Iterable[OS]) -> tuple[str, ...]:
    """Every architecture some OS names in its resources, firmware or media."""
    found: set[str] = set()
    for o in oses:
        found.update(r.arch for r in (*o.minimum, *o.recommended, *o.maximum, *o.network_install))
        found.update(f.arch for f in o.firmwares)
        found.update(m.arch for m in o.media)
    return tuple(sorted(found - {ALL_ARCHES}))


class Catalog:
    """Entries in natural short-id order, the keys that find them, and the OSes made so far."""

    def __init__(
        self,
        entries: Sequence[Entry],
        arches: tuple[str, ...],
        loaded: Iterable[OS] = (),
        loader: Loader | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.arches = arches
        self.families: tuple[str, ...] = tuple(sorted({e.family for e in self.entries if e.family}))
        self.by_uri: dict[str, str] = {e.id: e.short_id for e in self.entries}
        # Primary short-ids first so an alias never shadows another OS's own name.
        self.index: dict[str, str] = {e.short_id.lower(): e.short_id for e in self.entries}
        for e in self.entries:
            for alias in e.short_ids:
                self.index.setdefault(alias.lower(), e.short_id)
        self._made: dict[str, OS] = {o.short_id: o for o in loaded}
        self._loader = loader
        self.from_cache = loader is not None

    @classmethod
    def of_oses(cls, oses: Sequence[OS]) -> Catalog:
        """A complete catalog of OSes already sorted in natural short-id order."""
        return cls([Entry.of(o) for o in oses], arches_named(oses), loaded=oses)

    def resolve(self, key: str) -> str | None:
        """The primary short-id for a short-id or alias (any case) or an osinfo URI."""
        return self.index.get(key.lower()) or self.by_uri.get(key)

    def os(self, short_id: str) -> OS:
        """The one ``OS`` object for a primary short-id; decoding it may raise ``CorruptCache``."""
        made = self._made.get(short_id)
        if made is None:
            if self._loader is None:
                raise KeyError(short_id)
            # setdefault: two threads decoding at once still hand out one object.
            made = self._made.setdefault(short_id, self._loader(short_id))
        return made

    def made(self) -> dict[str, OS]:
        """The OSes handed out so far, so a replacement catalog can keep their identity."""
        return dict(self._made)
