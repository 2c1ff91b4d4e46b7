"""Resource inheritance that libosinfo leaves to its callers.

libosinfo resolves devices and firmware through derives-from/clones but returns only an
OS's own ``<resources>``; many entries (FreeBSD point releases, CentOS clones of RHEL, old
Debian) declare none. Two rules, applied once when the database is loaded:

1. Per kind, an arch-specific block takes each field it leaves unset from the "all" block,
   which is what virt-install's per-key lookup ([arch, "all"]) amounts to; blocks with no
   value at all are dropped so they cannot hide the "all" block.
2. An OS that declares no resources at all takes the whole resolved set of its nearest
   ancestor (derives-from first, then clones). Sets are never mixed between OSes: a child
   that only gives a minimum (win11) must not get a smaller "recommended" from its parent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from hearth.osinfo.model import ALL_ARCHES, OS, Resources

KINDS: tuple[str, ...] = ("minimum", "recommended", "maximum", "network_install")
_FIELDS: tuple[str, ...] = ("n_cpus", "cpu_hz", "ram_bytes", "storage_bytes")


def _is_empty(block: Resources) -> bool:
    return all(getattr(block, f) is None for f in _FIELDS)


def fill_from_all(blocks: tuple[Resources, ...]) -> tuple[Resources, ...]:
    """Rule 1 for one kind's blocks."""
    base = next((b for b in blocks if b.arch == ALL_ARCHES), None)
    out: list[Resources] = []
    for block in blocks:
        if base is not None and block is not base:
            gaps = {f: getattr(base, f) for f in _FIELDS if getattr(block, f) is None}
            block = dataclasses.replace(block, **gaps)
        if not _is_empty(block) and all(b.arch != block.arch for b in out):
            out.append(block)
    return tuple(out)


def _with_resources(os: OS, source: OS, fill: bool) -> OS:
    """``os`` carrying ``source``'s four resource kinds, passed through ``fill_from_all`` if asked."""

    def take(blocks: tuple[Resources, ...]) -> tuple[Resources, ...]:
        return fill_from_all(blocks) if fill else blocks

    return dataclasses.replace(
        os,
        minimum=take(source.minimum),
        recommended=take(source.recommended),
        maximum=take(source.maximum),
        network_install=take(source.network_install),
    )


def _has_resources(os: OS) -> bool:
    return any(getattr(os, kind) for kind in KINDS)


def resolve(oses: Iterable[OS]) -> dict[str, OS]:
    """Apply both rules; returns the OSes keyed by primary short-id."""
    own: dict[str, OS] = {}
    for os in oses:
        own[os.short_id] = _with_resources(os, os, fill=True)
    done: dict[str, OS] = {}
    for short_id in own:
        _resolve_one(short_id, own, done, ())
    return done


def _resolve_one(short_id: str, own: Mapping[str, OS], done: dict[str, OS], path: tuple[str, ...]) -> OS:
    if short_id in done:
        return done[short_id]
    os = own[short_id]
    if not _has_resources(os):
        for parent in (os.derives_from, os.clones):
            # A cycle in the data would recurse forever: stop at the first repeated OS.
            if parent is None or parent not in own or parent in path:
                continue
            source = _resolve_one(parent, own, done, (*path, short_id))
            if _has_resources(source):
                os = _with_resources(os, source, fill=False)
                break
    done[short_id] = os
    return os
