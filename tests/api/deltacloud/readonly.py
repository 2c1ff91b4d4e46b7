"""A mock whose chosen collections can only be listed and shown: a backend that lacks the rest,
for the tests of Deltacloud's 412 rule (its parts drop back to the contract's NotSupported
methods, so the capabilities derived from overrides say so)."""

from __future__ import annotations

from hearth.drivers import OPERATION_METHODS, Collection, Feature
from hearth.drivers.mock import MockDriver
from hearth.drivers.parts import PART_BASES, Part


def _read_only(part: type[Part]) -> type[Part]:
    base = PART_BASES[part.collection]
    dropped = {
        meth: getattr(base, meth)
        for op, meth in OPERATION_METHODS.items()
        if op.collection is part.collection and op.verb not in ("list", "get")
    }
    return type(f"ReadOnly{part.__name__}", (part,), dropped)


def read_only_mock(
    name: str, *collections: Collection, features: frozenset[Feature] | None = None
) -> type[MockDriver]:
    """The mock under driver ``name`` with ``collections`` read-only (``features``: what it
    declares instead of the mock's, e.g. none when instance create is gone)."""
    attrs: dict[str, object] = {
        "name": name,
        "parts": {**MockDriver.parts, **{c: _read_only(MockDriver.parts[c]) for c in collections}},
    }
    if features is not None:
        attrs["features"] = features
    return type(f"ReadOnly{name.capitalize()}", (MockDriver,), attrs)
