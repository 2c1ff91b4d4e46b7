"""Volumes and snapshots as Deltacloud's ``storage_volume`` and ``storage_snapshot`` documents,
element names and JSON keys as Deltacloud 1.1.3 renders them (its storage_*/show.xml.haml and
the models' ``to_hash``).

Where Hearth's words differ from Deltacloud's, Deltacloud's are written: a volume in use is
``IN-USE``, a finished snapshot ``COMPLETED``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hearth.drivers.resources import Snapshot, SnapshotState, Volume, VolumeState

from .document import Node
from .links import Links

_VOLUME_STATE = {VolumeState.AVAILABLE: "AVAILABLE", VolumeState.IN_USE: "IN-USE"}
_SNAPSHOT_STATE = {SnapshotState.PENDING: "PENDING", SnapshotState.AVAILABLE: "COMPLETED"}
# The actions a volume offers in each state, and the method each is asked with.
_ACTIONS = {VolumeState.AVAILABLE: ("attach", "destroy"), VolumeState.IN_USE: ("detach",)}
_METHOD = {"attach": "post", "detach": "post", "destroy": "delete"}


def volume_actions(v: Volume, served: Collection[str]) -> list[str]:
    """What may be done to the volume now, among the actions the backend serves."""
    return [a for a in _ACTIONS[v.state] if a in served]


def volume(links: Links, v: Volume, served: Collection[str]) -> tuple[Node, Any]:
    """``served``: the volume actions (attach, detach, destroy) the backend serves; only those
    are offered as links."""
    href = links.member("storage_volumes", v.id)
    state = _VOLUME_STATE[v.state]
    realm = links.member("realms", v.realm)
    created = v.created.isoformat()
    node = Node("storage_volume", {"href": href, "id": v.id})
    node.add("created", created)
    node.add("capacity", v.capacity_gb, unit="GB")
    node.add("name", v.name)
    if v.device is not None:
        node.add("device", v.device)
    node.add("realm", href=realm, id=v.realm)
    node.add("realm_id", v.realm)
    node.add("state", state)
    value: dict[str, Any] = {
        "id": v.id,
        "href": href,
        "name": v.name,
        "description": None,
        "state": state,
        "created": created,
        "realm": {"id": v.realm, "href": realm, "rel": "realm"},
        "device": v.device,
        "kind": None,
        "capacity": v.capacity_gb,
        "actions": [],
        "instance": {},
    }
    if v.instance is not None:
        inst = links.member("instances", v.instance)
        mount = node.add("mount")
        mount.add("instance", href=inst, id=v.instance)
        if v.device is not None:
            mount.add("device", name=v.device)
        value["instance"] = {"id": v.instance, "href": inst, "rel": "instance"}
    actions = volume_actions(v, served)
    if actions:
        el = node.add("actions")
        for action in actions:
            target = href if action == "destroy" else f"{href}/{action}"
            el.add("link", rel=action, method=_METHOD[action], href=target)
            value["actions"].append({"href": target, "rel": action})
    return node, value


def snapshot(links: Links, s: Snapshot) -> tuple[Node, Any]:
    href = links.member("storage_snapshots", s.id)
    vol = links.member("storage_volumes", s.volume)
    created = s.created.isoformat()
    node = Node("storage_snapshot", {"href": href, "id": s.id})
    node.add("name", s.name)
    node.add("created", created)
    node.add("storage_volume", href=vol, id=s.volume)
    return node, {
        "id": s.id,
        "href": href,
        "name": s.name,
        "state": _SNAPSHOT_STATE[s.state],
        "storage_volume": {"id": s.volume, "href": vol, "rel": "storage_volume"},
        "created": created,
    }
