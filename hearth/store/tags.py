"""The ``tags`` table: key/value labels on resources, by resource kind and Hearth id.

A row names its resource by kind (``instance``, ``volume``, …) and id rather than by a foreign
key: the resource may live in a driver's tables or outside the store altogether (a libvirt
domain). ``owner_id`` copies the resource's owner when the tag was written, so a listing reads
the caller's tags with one indexed query instead of asking the backend whose each resource is.
The rules (how many, how long, which keys) are the service's (``hearth.service.tags``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, Index, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from .engine import read_connection, write_connection, write_session
from .models import ID_LEN, Base

KIND_LEN = 16
RESOURCE_ID_LEN = 255  # uuids, catalogue names, a backend's own ids (``i-…``)
KEY_LEN = 128
VALUE_LEN = 256

Tags = dict[str, str]


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_kind_owner_id", "kind", "owner_id"),)

    kind: Mapped[str] = mapped_column(String(KIND_LEN), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(RESOURCE_ID_LEN), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LEN), primary_key=True)
    value: Mapped[str] = mapped_column(String(VALUE_LEN))
    owner_id: Mapped[str] = mapped_column(String(ID_LEN))


def tags_of(
    engine: Engine, kind: str, owners: Collection[str] | None, ids: Collection[str] | None = None
) -> dict[str, Tags]:
    """The tags of ``kind`` resources owned by ``owners`` (None: anyone's), by resource id;
    ``ids`` narrows it to those resources. A resource without tags is absent."""
    query = select(TagRow.resource_id, TagRow.key, TagRow.value).where(TagRow.kind == kind)
    if owners is not None:
        query = query.where(TagRow.owner_id.in_(owners))
    if ids is not None:
        query = query.where(TagRow.resource_id.in_(ids))
    found: dict[str, Tags] = {}
    with read_connection(engine) as conn:
        for resource_id, key, value in conn.execute(query):
            found.setdefault(resource_id, {})[key] = value
    return found


@dataclass(frozen=True)
class Target:
    """A resource to tag: its kind, id and owner, and how many tags it may hold in all."""

    kind: str
    resource_id: str
    owner_id: str
    limit: int


def put_tags(engine: Engine, targets: Sequence[Target], tags: Mapping[str, str]) -> list[Target]:
    """Set ``tags`` on every target, replacing the values of keys it has. All or nothing: when a
    target would hold more tags than its limit, nothing is written and those targets are
    answered (empty: written)."""
    if not targets or not tags:
        return []
    by_kind: dict[str, dict[str, Target]] = {}
    for target in targets:
        by_kind.setdefault(target.kind, {})[target.resource_id] = target
    with write_session(engine) as s:
        over: list[Target] = []
        for kind, group in by_kind.items():
            held: dict[str, set[str]] = {rid: set() for rid in group}
            query = select(TagRow.resource_id, TagRow.key).where(
                TagRow.kind == kind, TagRow.resource_id.in_(list(group))
            )
            for resource_id, key in s.execute(query):
                held[resource_id].add(key)
            over += [group[rid] for rid, keys in held.items() if len(keys | tags.keys()) > group[rid].limit]
        if over:
            return over
        for kind, group in by_kind.items():
            s.execute(
                delete(TagRow).where(
                    TagRow.kind == kind, TagRow.resource_id.in_(list(group)), TagRow.key.in_(list(tags))
                )
            )
        s.add_all(
            TagRow(kind=t.kind, resource_id=t.resource_id, key=key, value=value, owner_id=t.owner_id)
            for group in by_kind.values()
            for t in group.values()
            for key, value in tags.items()
        )
    return []


def delete_tags(
    engine: Engine, resources: Mapping[str, Collection[str]], keys: Mapping[str, str | None] | None = None
) -> None:
    """Delete tags of ``resources`` (kind → ids): each key of ``keys`` whatever its value (None)
    or only with the value given; every tag of them when ``keys`` is None. One transaction."""
    with write_connection(engine) as conn:
        for kind, ids in resources.items():
            if not ids:
                continue
            where = [TagRow.kind == kind, TagRow.resource_id.in_(list(ids))]
            if keys is None:
                conn.execute(delete(TagRow).where(*where))
                continue
            for key, value in keys.items():
                match = [*where, TagRow.key == key, *([TagRow.value == value] if value is not None else [])]
                conn.execute(delete(TagRow).where(*match))
