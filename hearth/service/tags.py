"""Tags: key/value labels on instances, images, volumes, snapshots, networks and subnets.

Tags are Hearth's, kept in the shared store whatever the backend, so every frontend sees the
same ones. The rules are EC2's, the strictest client of them: at most 50 tags on a resource, keys
of 1 to 128 characters, values up to 256, keys starting with ``aws:`` reserved. The ``Name`` tag
is not stored: it is the resource's Hearth name, so setting it renames the resource where the
backend can rename (networks, subnets) and is refused where it cannot, unless it already holds.

A caller tags only what it can see and own (admins anything): the resource is looked up through
the driver, which applies the ownership rule. Deleting a resource through the service drops its
tags (``drop``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import StrEnum
from typing import Final, Protocol

from sqlalchemy import Engine

from hearth.drivers import Caller, Driver, Operation
from hearth.drivers.caller import ensure_modifiable, owner_scope
from hearth.drivers.resources import NetworkUpdate, SubnetUpdate, parse_request
from hearth.errors import NotSupported, ValidationError
from hearth.store import tags as rows

from .capability import CapabilityGate

MAX_TAGS: Final = 50
MAX_KEY: Final = 128
MAX_VALUE: Final = 256
RESERVED_PREFIX: Final = "aws:"
NAME: Final = "Name"


class TagKind(StrEnum):
    """What can carry tags (the kinds a NotFound names)."""

    instance = "instance"
    image = "image"
    volume = "volume"
    snapshot = "snapshot"
    network = "network"
    subnet = "subnet"


Resources = Mapping[TagKind, Sequence[str]]  # kind → Hearth ids


class Tagged(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def owner_id(self) -> str: ...


def check_key(key: str) -> None:
    if not key:
        raise ValidationError("a tag key may not be empty", key=key)
    if len(key) > MAX_KEY:
        raise ValidationError(f"a tag key has at most {MAX_KEY} characters", key=key[:MAX_KEY])
    if key.lower().startswith(RESERVED_PREFIX):
        raise ValidationError(f"tag keys starting with '{RESERVED_PREFIX}' are reserved", key=key)


def check_value(value: str) -> None:
    if len(value) > MAX_VALUE:
        raise ValidationError(f"a tag value has at most {MAX_VALUE} characters")


def check_tags(tags: Mapping[str, str]) -> None:
    """Every rule a set of tags can break on its own (the per-resource count needs the store)."""
    for key, value in tags.items():
        check_key(key)
        check_value(value)
    if len(tags) > MAX_TAGS:
        raise too_many()


def too_many(resource: str | None = None) -> ValidationError:
    where = f"; {resource} would have more" if resource else ""
    return ValidationError(f"a resource has at most {MAX_TAGS} tags{where}", limit="tags", max_tags=MAX_TAGS)


def with_name(name: str | None, stored: Mapping[str, str] | None) -> dict[str, str]:
    """A resource's tags as clients see them: its name as ``Name``, then the stored ones."""
    shown = {NAME: name} if name else {}
    if stored:
        shown.update(stored)
    return shown


class Tags:
    """The tags in the store at ``engine``; resources are looked up through ``driver``, behind
    the Service's capability ``gate``."""

    def __init__(self, engine: Engine, driver: Driver, gate: CapabilityGate) -> None:
        self.engine = engine
        self._driver = driver
        self._gate = gate
        self._getters: Mapping[TagKind, Callable[[Caller, str], Tagged]] = {
            TagKind.instance: driver.get_instance,
            TagKind.image: driver.get_image,
            TagKind.volume: driver.get_volume,
            TagKind.snapshot: driver.get_snapshot,
            TagKind.network: driver.get_network,
            TagKind.subnet: driver.get_subnet,
        }

    # --- reads ---------------------------------------------------------------------------------

    def of(
        self, caller: Caller, kind: TagKind, ids: Collection[str] | None = None
    ) -> dict[str, dict[str, str]]:
        """The stored tags (no ``Name``) of the ``kind`` resources the caller can see, by id: one
        query, for a listing the caller just made (``ids`` narrows it)."""
        return rows.tags_of(self.engine, kind.value, owner_scope(caller), ids)

    # --- writes --------------------------------------------------------------------------------

    def set(self, caller: Caller, resources: Resources, tags: Mapping[str, str]) -> None:
        """Set ``tags`` on every resource named (kind → ids), or on none: a rule broken, a
        resource missing or not the caller's, or one that would pass 50 tags fails them all."""
        check_tags(tags)
        found = self._owned(caller, resources)
        name = tags.get(NAME)
        renames = [(kind, rid) for kind, group in found.items() for rid in self._renames(kind, group, name)]
        stored = {k: v for k, v in tags.items() if k != NAME}
        targets = [
            rows.Target(kind.value, r.id, r.owner_id, MAX_TAGS - (1 if r.name or name else 0))
            for kind, group in found.items()
            for r in group
        ]
        over = rows.put_tags(self.engine, targets, stored)
        if over:
            raise too_many(f"{over[0].kind} {over[0].resource_id}")
        for kind, resource_id in renames:
            assert name is not None
            self._rename(caller, kind, resource_id, name)

    def unset(
        self, caller: Caller, resources: Resources, keys: Mapping[str, str | None] | None = None
    ) -> None:
        """Delete tags of the resources named (kind → ids): each key of ``keys`` whatever its
        value (None) or only with that value; every stored tag when ``keys`` is None (the name
        stays: a resource keeps its name, so deleting ``Name`` itself is refused)."""
        found = self._owned(caller, resources)
        if keys is not None and NAME in keys:
            value = keys[NAME]
            for kind, group in found.items():
                named = [r for r in group if r.name and (value is None or r.name == value)]
                if named:
                    raise NotSupported(
                        f"the Name tag of {kind.value} {named[0].id} is its name, which it keeps",
                        kind=kind.value,
                        id=named[0].id,
                    )
            keys = {k: v for k, v in keys.items() if k != NAME}
        ids = {kind.value: [r.id for r in group] for kind, group in found.items()}
        rows.delete_tags(self.engine, ids, keys)

    def drop(self, kind: TagKind, resource_id: str) -> None:
        """Forget every tag of a resource that is gone."""
        rows.delete_tags(self.engine, {kind.value: [resource_id]})

    # --- helpers -------------------------------------------------------------------------------

    def _owned(self, caller: Caller, resources: Resources) -> dict[TagKind, builtins.list[Tagged]]:
        """The resources, each visible to the caller (else NotFound) and the caller's to change."""
        found = {
            kind: [self._find(caller, kind, rid) for rid in dict.fromkeys(ids)]
            for kind, ids in resources.items()
        }
        for kind, group in found.items():
            for resource in group:
                ensure_modifiable(caller, kind.value, resource.id, resource.owner_id)
        return found

    def _find(self, caller: Caller, kind: TagKind, resource_id: str) -> Tagged:
        self._gate.require(Operation(f"{kind.value}s.get"))
        return self._getters[kind](caller, resource_id)

    def _renames(self, kind: TagKind, found: Sequence[Tagged], name: str | None) -> builtins.list[str]:
        """The resources setting ``Name`` to ``name`` renames, checked before anything is written."""
        if name is None:
            return []
        changed = [r.id for r in found if r.name != name]
        if not changed:
            return []
        update = _UPDATES.get(kind)
        if update is None or not self._gate.supports(update[0]):
            raise NotSupported(
                f"the Name tag of {kind.value} {changed[0]} is its name, which cannot be changed",
                kind=kind.value,
                id=changed[0],
            )
        parse_request(update[1], {"name": name})  # a name Hearth refuses fails before any write
        return changed

    def _rename(self, caller: Caller, kind: TagKind, resource_id: str, name: str) -> None:
        if kind is TagKind.network:
            self._driver.update_network(caller, resource_id, NetworkUpdate(name=name))
        elif kind is TagKind.subnet:
            self._driver.update_subnet(caller, resource_id, SubnetUpdate(name=name))


# The kinds whose name can change, by the operation that changes it.
_UPDATES: Final[Mapping[TagKind, tuple[Operation, type[NetworkUpdate] | type[SubnetUpdate]]]] = {
    TagKind.network: (Operation.networks_update, NetworkUpdate),
    TagKind.subnet: (Operation.subnets_update, SubnetUpdate),
}
