"""The OS database: osinfo-db as plain ``OS`` objects, inheritance resolved, found by dict.

The designer asks for an OS thousands of times a second and the CLI must start in a blink,
so libosinfo (about 0.2 s to load, 0.5 s more to convert every OS) runs only when the
on-disk cache (``cache``) is missing or out of date; otherwise each OS is decoded from the
cache the first time it is asked for and GObject is never imported. Media identification
still needs libosinfo's pattern matching: it loads libosinfo on first use, under a lock
because GObject instances are not safe to share between threads.
"""

from __future__ import annotations

import builtins
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hearth.errors import BackendError, NotFound, ValidationError
from hearth.osinfo import cache
from hearth.osinfo.arch import osinfo_arch
from hearth.osinfo.catalog import Catalog, natural_key
from hearth.osinfo.codec import CorruptCache
from hearth.osinfo.iso import read_iso_identity
from hearth.osinfo.model import OS, MediaMatch

log = logging.getLogger(__name__)

DATA_DIR_ENV = "HEARTH_OSINFO_DATA_DIR"
_SUGGESTIONS = 5
T = TypeVar("T")


def _resolve_data_dir(data_dir: str | Path | None) -> Path | None:
    chosen = data_dir if data_dir is not None else (os.environ.get(DATA_DIR_ENV) or None)
    if chosen is None:
        return None
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        source = "data_dir" if data_dir is not None else DATA_DIR_ENV
        raise ValidationError(f"osinfo data directory {path} (from {source}) is not a directory")
    return path


class OSDatabase:
    """Every OS of one osinfo database as plain ``OS`` objects, inheritance resolved.

    ``data_dir`` (or ``$HEARTH_OSINFO_DATA_DIR``) loads only that directory, laid out like
    /usr/share/osinfo; without it libosinfo's default system/local/user paths are used.
    ``$HEARTH_OSINFO_CACHE=0`` bypasses the on-disk cache.
    """

    def __init__(self, data_dir: str | Path | None = None) -> None:
        self.data_dir = _resolve_data_dir(data_dir)
        self._gi_db: Any = None
        self._gi_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._cache = cache.for_data(self.data_dir)
        catalog = self._cache.load() if self._cache is not None else None
        self._catalog: Catalog = catalog if catalog is not None else self._build()

    def _build(self, served: dict[str, OS] | None = None) -> Catalog:
        """Load through libosinfo, convert every OS and refresh the cache.

        ``served`` are OSes already handed out: equal ones are kept so ``get`` stays ``is``-stable.
        """
        from hearth.osinfo import _gi, inherit

        gi_db = _gi.load(self.data_dir)
        by_short_id = inherit.resolve(_gi.convert_os(o) for o in _gi.os_entities(gi_db))
        if not by_short_id:
            where = self.data_dir or "the default osinfo paths"
            raise NotFound(f"the osinfo database at {where} holds no operating systems")
        kept = served or {}

        def keep(o: OS) -> OS:
            old = kept.get(o.short_id)
            return old if old is not None and old == o else o

        oses = tuple(keep(o) for o in sorted(by_short_id.values(), key=lambda o: natural_key(o.short_id)))
        catalog = Catalog.of_oses(oses)
        with self._gi_lock:
            self._gi_db = gi_db
        if self._cache is not None:
            self._cache.save(oses, catalog.arches, _gi.library_files())
        return catalog

    def _use(self, step: Callable[[Catalog], T]) -> T:
        """Run ``step`` on the catalog; if the cache behind it proves corrupt, rebuild and rerun."""
        catalog = self._catalog
        try:
            return step(catalog)
        except CorruptCache as exc:
            with self._rebuild_lock:
                if self._catalog is catalog:  # another thread may have rebuilt already
                    path = self._cache.path if self._cache is not None else None
                    log.warning(
                        "the osinfo cache %s is unusable (%s); rebuilding it from osinfo-db", path, exc
                    )
                    self._catalog = self._build(served=catalog.made())
            return step(self._catalog)

    @property
    def loaded_from_cache(self) -> bool:
        """True while OSes are served from the on-disk cache rather than from libosinfo."""
        return self._catalog.from_cache

    def __len__(self) -> int:
        return len(self._catalog.entries)

    def __contains__(self, short_id: object) -> bool:
        return isinstance(short_id, str) and short_id.lower() in self._catalog.index

    @property
    def families(self) -> tuple[str, ...]:
        return self._catalog.families

    @property
    def arches(self) -> tuple[str, ...]:
        """Every architecture some OS names in its resources, firmware or media."""
        return self._catalog.arches

    def find(self, short_id: str) -> OS | None:
        """The OS for a short-id, an alias short-id or an osinfo URI; None if unknown."""

        def step(catalog: Catalog) -> OS | None:
            primary = catalog.resolve(short_id)
            return catalog.os(primary) if primary is not None else None

        return self._use(step)

    def get(self, short_id: str) -> OS:
        """Like ``find`` but an unknown id is a NotFound naming the closest known short-ids."""
        if not short_id or not short_id.strip():
            raise ValidationError("an OS short-id must not be empty")
        found = self.find(short_id)
        if found is not None:
            return found
        import difflib  # only on the error path

        keys = self._catalog.index.keys()
        close = difflib.get_close_matches(short_id.lower(), keys, n=_SUGGESTIONS, cutoff=0.6)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise NotFound(f"unknown OS short-id '{short_id}'{hint}", short_id=short_id, suggestions=close)

    def list(self, family: str | None = None, search: str | None = None) -> builtins.list[OS]:
        """OSes in natural short-id order; ``search`` matches any short-id or the name, ignoring case."""

        def step(catalog: Catalog) -> builtins.list[OS]:
            chosen = catalog.entries
            if family is not None:
                wanted = family.strip().lower()
                if wanted not in catalog.families:
                    raise ValidationError(
                        f"unknown OS family '{family}'; known families: {', '.join(catalog.families)}",
                        family=family,
                    )
                chosen = tuple(e for e in chosen if e.family == wanted)
            if search:
                needle = search.strip().lower()
                chosen = tuple(e for e in chosen if e.matches(needle))
            return [catalog.os(e.short_id) for e in chosen]

        return self._use(step)

    def _identify(
        self,
        volume_id: str,
        system_id: str | None,
        publisher_id: str | None,
        application_id: str | None,
        arch: str | None,
    ) -> tuple[str, str | None] | None:
        from hearth.osinfo import _gi

        with self._gi_lock:
            if self._gi_db is None:
                self._gi_db = _gi.load(self.data_dir)
            return _gi.identify(self._gi_db, volume_id, system_id, publisher_id, application_id, arch)

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
        found = self._identify(volume_id, system_id, publisher_id, application_id, arch)
        if found is None:
            return None
        os_uri, media_id = found
        matched_os = self._use(lambda c: c.os(c.by_uri[os_uri]) if os_uri in c.by_uri else None)
        if matched_os is None:  # osinfo-db changed on disk since this database was loaded
            raise BackendError(f"libosinfo matched {os_uri}, which this OS database does not hold")
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
