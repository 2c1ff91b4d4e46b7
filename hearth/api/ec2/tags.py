"""Tags as EC2 spells them: ``Tag.N.Key``/``Tag.N.Value`` and ``TagSpecification.N.…``.

EC2's rules are kept so that a request EC2 would refuse is refused here too: keys of 1 to 128
characters not starting with ``aws:``, values up to 256, at most 50 tags on a resource, one value
per key in a request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

from .faults import Ec2Error, invalid, missing
from .params import Params

MAX_KEY: Final = 128
MAX_VALUE: Final = 256
MAX_TAGS: Final = 50
RESERVED_PREFIX: Final = "aws:"


def _key(params: Params) -> str:
    key = params.text("Key")
    if key is None or key == "":
        raise missing(params.full("Key"))
    if len(key) > MAX_KEY:
        raise invalid(params.full("Key"), key, f"a tag key has at most {MAX_KEY} characters")
    if key.lower().startswith(RESERVED_PREFIX):
        raise invalid(params.full("Key"), key, f"tag keys starting with '{RESERVED_PREFIX}' are reserved")
    return key


def _value(params: Params) -> str | None:
    value = params.text("Value")
    if value is not None and len(value) > MAX_VALUE:
        raise invalid(params.full("Value"), "", f"a tag value has at most {MAX_VALUE} characters")
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


def tag_set(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """The ``tagSet`` element, in key order so responses are stable."""
    return [{"key": k, "value": tags[k]} for k in sorted(tags)]
