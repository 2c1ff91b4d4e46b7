"""The OS database: libosinfo loaded once, every OS converted once, lookups by dict.

The designer asks for an OS thousands of times a second, so all conversion and
inheritance happens at load time (about half a second for the full osinfo-db) and the
result is immutable; only media identification goes back to libosinfo, under a lock
because GObject instances are not safe to share between threads.
"""

from __future__ import annotations

import builtins
import difflib
import os
import re
import threading
from pathlib import Path
from typing import Any

from hearth.errors import BackendError, NotFound, ValidationError
from hearth.osinfo import _gi, inherit
from hearth.osinfo.arch import osinfo_arch
from hearth.osinfo.iso import read_iso_identity
from hearth.osinfo.model import ALL_ARCHES, OS, MediaMatch

DATA_DIR_ENV = "HEARTH_OSINFO_DATA_DIR"
_SUGGESTIONS = 5


def _natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """fedora9 before fedora10: digit runs compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def _resolve_data_dir(data_dir: str | Path | None) -> Path | None:
    chosen = data_dir if data_dir is not None else (os.environ.get(DATA_DIR_ENV) or None)
    if chosen is None:
        return None
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        source = "data_dir" if data_dir is not None else DATA_DIR_ENV
        raise ValidationError(f"osinfo data directory {path} (from {source}) is not a directory")
    return path


def _arches_named(oses: tuple[OS, ...]) -> set[str]:
    found: set[str] = set()
    for o in oses:
        found.update(r.arch for kind in inherit.KINDS for r in getattr(o, kind))
        found.update(f.arch for f in o.firmwares)
        found.update(m.arch for m in o.media)
    return found


class OSDatabase:
    """Every OS of one osinfo database as plain ``OS`` objects, inheritance resolved.

    ``data_dir`` (or ``$HEARTH_OSINFO_DATA_DIR``) loads only that directory, laid out like
    /usr/share/osinfo; without it libosinfo's default system/local/user paths are used.
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.data_dir = _resolve_data_dir(data_dir)
        self._gi_db: Any = _gi.load(self.data_dir)
        self._gi_lock = threading.Lock()
        by_short_id = inherit.resolve(_gi.convert_os(o) for o in _gi.os_entities(self._gi_db))
        if not by_short_id:
            where = self.data_dir or "the default osinfo paths"
            raise NotFound(f"the osinfo database at {where} holds no operating systems")
        self._all: tuple[OS, ...] = tuple(
            sorted(by_short_id.values(), key=lambda o: _natural_key(o.short_id))
        )
        self._by_uri: dict[str, OS] = {o.id: o for o in self._all}
        # Primary short-ids first so an alias never shadows another OS's own name.
        self._index: dict[str, OS] = {o.short_id.lower(): o for o in self._all}
        for o in self._all:
            for alias in o.short_ids:
                self._index.setdefault(alias.lower(), o)
        self._families: tuple[str, ...] = tuple(sorted({o.family for o in self._all if o.family}))
        self._arches: tuple[str, ...] = tuple(sorted(_arches_named(self._all) - {ALL_ARCHES}))

    def __len__(self) -> int:
        return len(self._all)

    def __contains__(self, short_id: object) -> bool:
        return isinstance(short_id, str) and short_id.lower() in self._index

    @property
    def families(self) -> tuple[str, ...]:
        return self._families

    @property
    def arches(self) -> tuple[str, ...]:
        """Every architecture some OS names in its resources, firmware or media."""
        return self._arches

    def find(self, short_id: str) -> OS | None:
        """The OS for a short-id, an alias short-id or an osinfo URI; None if unknown."""
        return self._index.get(short_id.lower()) or self._by_uri.get(short_id)

    def get(self, short_id: str) -> OS:
        """Like ``find`` but an unknown id is a NotFound naming the closest known short-ids."""
        if not short_id or not short_id.strip():
            raise ValidationError("an OS short-id must not be empty")
        found = self.find(short_id)
        if found is not None:
            return found
        close = difflib.get_close_matches(short_id.lower(), self._index.keys(), n=_SUGGESTIONS, cutoff=0.6)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise NotFound(f"unknown OS short-id '{short_id}'{hint}", short_id=short_id, suggestions=close)

    def list(self, family: str | None = None, search: str | None = None) -> builtins.list[OS]:
        """OSes in natural short-id order; ``search`` matches any short-id or the name, ignoring case."""
        chosen = self._all
        if family is not None:
            wanted = family.strip().lower()
            if wanted not in self._families:
                raise ValidationError(
                    f"unknown OS family '{family}'; known families: {', '.join(self._families)}",
                    family=family,
                )
            chosen = tuple(o for o in chosen if o.family == wanted)
        if search:
            needle = search.strip().lower()
            chosen = tuple(
                o for o in chosen if needle in o.name.lower() or any(needle in s.lower() for s in o.short_ids)
            )
        return builtins.list(chosen)

    def match_media(
        self,
        volume_id: str,
        system_id: str | None = None,
        publisher_id: str | None = None,
        application_id: str | None = None,
        arch: str | None = None,
    ) -> MediaMatch | None:
        """The OS and osinfo media entry whose patterns these ISO identifiers match, else None.

        Without ``arch`` any architecture matches; the match tells which one it was.
        """
        if not volume_id or not volume_id.strip():
            raise ValidationError("a volume id is needed to identify install media")
        arch = osinfo_arch(arch) if arch else None
        with self._gi_lock:
            found = _gi.identify(self._gi_db, volume_id, system_id, publisher_id, application_id, arch)
        if found is None:
            return None
        os_uri, media_id = found
        matched_os = self._by_uri[os_uri]
        entry = next((m for m in matched_os.media if media_id is not None and m.id == media_id), None)
        if entry is None:
            raise BackendError(
                f"libosinfo matched media {media_id!r} of {matched_os.short_id}, which that OS does not list"
            )
        return MediaMatch(os=matched_os, media=entry)

    def identify_media(
        self,
        volume_id: str,
        system_id: str | None = None,
        publisher_id: str | None = None,
        application_id: str | None = None,
        arch: str | None = None,
    ) -> OS | None:
        match = self.match_media(volume_id, system_id, publisher_id, application_id, arch)
        return match.os if match else None

    def match_iso(self, path: str | Path, arch: str | None = None) -> MediaMatch | None:
        """Read an ISO's primary volume descriptor and match it; None if osinfo knows no such medium."""
        ids = read_iso_identity(path)
        if ids.volume_id is None:
            return None
        return self.match_media(ids.volume_id, ids.system_id, ids.publisher_id, ids.application_id, arch)

    def identify_iso(self, path: str | Path, arch: str | None = None) -> OS | None:
        match = self.match_iso(path, arch)
        return match.os if match else None


_default: OSDatabase | None = None
_default_lock = threading.Lock()


def default_db() -> OSDatabase:
    """The process-wide database, loaded on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = OSDatabase()
    return _default
