"""The EC2 tags Hearth sets and reads: the Name tag EC2's console and CLI show."""

from __future__ import annotations

from typing import Any

NAME_TAG = "Name"


def name_tags(resource_type: str, name: str) -> list[dict[str, Any]]:
    """The TagSpecifications that give a new EC2 object the Hearth name, for EC2's own tools."""
    return [{"ResourceType": resource_type, "Tags": [{"Key": NAME_TAG, "Value": name}]}]


def tag(item: dict[str, Any], key: str) -> str | None:
    """The value of tag ``key`` on a Describe item (None: not tagged so)."""
    for t in item.get("Tags") or []:
        if t.get("Key") == key:
            return str(t.get("Value"))
    return None
