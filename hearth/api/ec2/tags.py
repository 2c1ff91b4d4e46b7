"""Tags as EC2 spells them: ``Tag.N.Key``/``Tag.N.Value``, ``TagSpecification.N.…``, ``tagSet``.

The rules are the service's (``hearth.service.tags``: 50 tags, key ≤ 128, value ≤ 256, ``aws:``
reserved), checked here while the request is read so a launch EC2 would refuse makes nothing,
and worded as EC2 words them, naming the parameter. Which EC2 resource types carry tags, and
what Hearth calls each, is here too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

from hearth.errors import ValidationError
from hearth.service.tags import MAX_TAGS, NAME, TagKind, check_key, check_value

from .faults import Ec2Error, invalid, missing
from .ids import Kind
from .params import Params


@dataclass(frozen=True)
class Taggable:
    """One EC2 resource type that carries tags: its id kind and Hearth's kind."""

    resource_type: str  # DescribeTags' ``resourceType``, TagSpecification's ``ResourceType``
    id_kind: Kind
    kind: TagKind


TAGGABLE: Final = (
    Taggable("instance", Kind.instance, TagKind.instance),
    Taggable("image", Kind.image, TagKind.image),
    Taggable("volume", Kind.volume, TagKind.volume),
    Taggable("snapshot", Kind.snapshot, TagKind.snapshot),
    Taggable("vpc", Kind.vpc, TagKind.network),
    Taggable("subnet", Kind.subnet, TagKind.subnet),
)
BY_ID_KIND: Final = {t.id_kind: t for t in TAGGABLE}


def taggable_of(ec2: str) -> Taggable:
    """The resource type an id names, by its prefix (``i-``, ``vol-``, …)."""
    prefix = ec2.split("-", 1)[0]
    found = next((t for t in TAGGABLE if t.id_kind.prefix == prefix and "-" in ec2), None)
    if found is None:
        shown = ec2 if len(ec2) <= 64 else ec2[:64] + "…"
        raise Ec2Error("InvalidID", f"The ID '{shown}' is not valid")
    return found


def _key(params: Params) -> str:
    key = params.text("Key")
    if key is None or key == "":
        raise missing(params.full("Key"))
    try:
        check_key(key)
    except ValidationError as exc:
        raise invalid(params.full("Key"), key, exc.message) from None
    return key


def _value(params: Params) -> str | None:
    value = params.text("Value")
    if value is not None:
        try:
            check_value(value)
        except ValidationError as exc:
            raise invalid(params.full("Value"), "", exc.message) from None
    return value


def read_tags(params: Params, name: str = "Tag") -> dict[str, str]:
    """``Tag.N.Key`` → ``Tag.N.Value`` (a missing value is the empty string, as in EC2)."""
    return {k: v or "" for k, v in _read(params, name).items()}


def read_tag_keys(params: Params, name: str = "Tag") -> dict[str, str | None]:
    """DeleteTags' form: a key alone deletes the tag whatever its value, a key and value only
    when the value matches (None: any value)."""
    return _read(params, name)


def _read(params: Params, name: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for member in params.structs(name):
        member.refuse_unknown(("Key", "Value"))
        key = _key(member)
        if key in found:
            raise invalid(member.full("Key"), key, "a tag key may appear once in a request")
        found[key] = _value(member)
    if len(found) > MAX_TAGS:
        raise Ec2Error("TagLimitExceeded", f"a resource has at most {MAX_TAGS} tags")
    return found


def read_tag_specifications(params: Params, resource_types: Collection[str]) -> dict[str, dict[str, str]]:
    """``TagSpecification.N.ResourceType`` → its tags, for the resource types the action makes."""
    found: dict[str, dict[str, str]] = {}
    for spec in params.structs("TagSpecification"):
        spec.refuse_unknown(("ResourceType", "Tag"))
        kind = spec.text("ResourceType")
        if not kind:
            raise missing(spec.full("ResourceType"))
        if kind not in resource_types:
            allowed = ", ".join(sorted(resource_types))
            raise invalid(spec.full("ResourceType"), kind, f"this action tags only {allowed}")
        if kind in found:
            raise invalid(spec.full("ResourceType"), kind, "a resource type may appear once")
        found[kind] = read_tags(spec)
    return found


def tags_for(params: Params, resource_type: str) -> tuple[str | None, dict[str, str]]:
    """``TagSpecification`` of an action that makes one type of resource: the ``Name`` (the new
    resource's Hearth name) and the other tags, stored once the resource exists."""
    tags = read_tag_specifications(params, {resource_type}).get(resource_type, {})
    name = tags.pop(NAME, None)
    return name, tags


def tag_set(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """The ``tagSet`` element, in key order so responses are stable."""
    return [{"key": k, "value": tags[k]} for k in sorted(tags)]
