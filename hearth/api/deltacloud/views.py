"""Hearth's resources as Deltacloud documents: element names and JSON keys as Deltacloud 1.1.3
renders them (its views/*.xml.haml), so its clients find what they look for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hearth.drivers.resources import (
    HWP_UNITS,
    HardwareProfile,
    HwpProperty,
    Image,
    Instance,
    Key,
    PropertyKind,
    Realm,
)
from hearth.service.instance_states import BOOTED_STATE, INITIAL_STATE, Transition
from hearth.vocab.instance_states import InstanceState

from .document import Document, Node
from .links import Links

# Instance id → (volume id, device) of each volume attached to it.
Mounts = dict[str, list[tuple[str, str | None]]]
# The hwp_<name> parameter a create takes for each property a client may choose.
_PARAM = "hwp_{}"


def collection(plural: str, items: Iterable[tuple[Node, Any]]) -> Document:
    root = Node(plural)
    values = []
    for node, value in items:
        root.children.append(node)
        values.append(value)
    return Document(root, {plural: values}, plural)


def member(singular: str, item: tuple[Node, Any]) -> Document:
    node, value = item
    return Document(node, {singular: value}, f"{singular} {node.attrs.get('id', '')}")


def _base(tag: str, href: str, ident: str, name: str) -> tuple[Node, dict[str, Any]]:
    node = Node(tag, {"href": href, "id": ident})
    node.add("name", name)
    return node, {"id": ident, "href": href, "name": name}


def realm(links: Links, r: Realm) -> tuple[Node, Any]:
    node, value = _base("realm", links.member("realms", r.id), r.id, r.name)
    node.add("state", r.state.value)
    value["state"] = r.state.value
    if r.limit is not None:
        node.add("limit", r.limit)
    value["limit"] = r.limit if r.limit is not None else "unlimited"
    return node, value


def _property(links: Links, node: Node, name: str, prop: HwpProperty) -> None:
    attrs = {"kind": prop.kind.value, "name": name, "unit": prop.unit.value, "value": prop.value}
    el = node.add("property", **attrs)
    if prop.kind is PropertyKind.fixed:
        return
    el.add(
        "param",
        href=links.collection("instances"),
        method="post",
        name=_PARAM.format(name),
        operation="create",
    )
    if prop.kind is PropertyKind.range:
        el.add("range", first=prop.first, last=prop.last)
    else:
        enum = el.add("enum")
        for v in prop.values or []:
            enum.add("entry", value=v)


def hardware_profile(links: Links, h: HardwareProfile) -> tuple[Node, Any]:
    href = links.member("hardware_profiles", h.id)
    node = Node("hardware_profile", {"href": href, "id": h.id})
    node.add("id", h.id)
    node.add("name", h.name)
    props: dict[str, str] = {}
    for name, prop in h.properties.items():
        _property(links, node, name.value, prop)
        props[name.value] = str(prop.value)
    return node, {"id": h.id, "href": href, "name": h.name, "properties": props}


def image(
    links: Links, i: Image, profiles: Iterable[HardwareProfile] = (), destroyable: bool = False
) -> tuple[Node, Any]:
    """``destroyable``: the backend deletes images, so the image links its ``destroy_image``."""
    node, value = _base("image", links.member("images", i.id), i.id, i.name)
    created = i.created.isoformat()
    for tag, text in (
        ("description", i.description),
        ("owner_id", i.owner_id),
        ("architecture", i.architecture.value),
        ("state", i.state.value),
        ("creation_time", created),
        ("root_type", "persistent"),
    ):
        node.add(tag, text)
        value["owner" if tag == "owner_id" else tag] = text
    compatible = node.add("hardware_profiles")
    value["hardware_profiles"] = [
        _ref(compatible, "hardware_profile", links.member("hardware_profiles", h.id), h.id) for h in profiles
    ]
    for ref in compatible.children:
        ref.attrs["rel"] = "hardware_profile"
    actions = node.add("actions")
    create = links.collection("instances") + f";image_id={i.id}"
    actions.add("link", href=create, method="post", rel="create_instance")
    value["actions"] = [{"rel": "create_instance", "method": "post", "href": create}]
    if destroyable:
        href = links.member("images", i.id)
        actions.add("link", href=href, method="delete", rel="destroy_image")
        value["actions"].append({"rel": "destroy_image", "method": "delete", "href": href})
    return node, value


def _ref(node: Node, tag: str, href: str, ident: str) -> dict[str, str]:
    node.add(tag, href=href, id=ident)
    return {"id": ident, "href": href, "rel": tag}


def instance(
    links: Links,
    i: Instance,
    key_ids: dict[str, str] | None = None,
    mounts: Mounts | None = None,
    capturable: bool = False,
    nics: list[str] | None = None,
) -> tuple[Node, Any]:
    """``key_ids`` maps key names to ids: Deltacloud's ``keyname`` is the key's id; ``mounts``
    names the volumes attached to each instance; ``capturable``: the backend makes images from
    instances, so a STOPPED one (the only state whose disk holds still) links ``create_image``;
    ``nics``: the ids of its network_interfaces, listed in the XML as Deltacloud's is (its JSON
    has none)."""
    node, value = _base("instance", links.member("instances", i.id), i.id, i.name)
    node.add("owner_id", i.owner_id)
    value["owner"] = i.owner_id
    if i.image is not None:
        value["image"] = _ref(node, "image", links.member("images", i.image), i.image)
    value["realm"] = _ref(node, "realm", links.member("realms", i.realm), i.realm)
    node.add("state", i.state.value)
    value["state"] = i.state.value
    hwp = links.member("hardware_profiles", i.hardware_profile)
    profile = node.add("hardware_profile", href=hwp, id=i.hardware_profile)
    overrides: dict[str, str] = {}
    for name, chosen in i.hardware_profile_overrides.items():
        unit = HWP_UNITS[name].value
        profile.add("property", kind="fixed", name=name.value, unit=unit, value=chosen)
        overrides[name.value] = str(chosen)
    value["hardware_profile"] = {
        "id": i.hardware_profile,
        "href": hwp,
        "rel": "hardware_profile",
        "properties": overrides,
    }
    actions = node.add("actions")
    value["actions"] = []
    for action in i.actions:
        href = links.member("instances", i.id) + f"/{action.value}"
        actions.add("link", href=href, method="post", rel=action.value)
        value["actions"].append({"rel": action.value, "method": "post", "href": href})
    if capturable and i.state is InstanceState.STOPPED:
        href = links.collection("images") + f";instance_id={i.id}"
        actions.add("link", href=href, method="post", rel="create_image")
        value["actions"].append({"rel": "create_image", "method": "post", "href": href})
    for tag, addresses in (
        ("public_addresses", i.public_addresses),
        ("private_addresses", i.private_addresses),
    ):
        el = node.add(tag)
        for address in addresses:
            el.add("address", address, type="ipv4")
        value[tag] = [{"address": a, "type": "ipv4"} for a in addresses]
    volumes = node.add("storage_volumes")
    value["storage_volumes"] = []
    for volume_id, device in (mounts or {}).get(i.id, []):
        href = links.member("storage_volumes", volume_id)
        volumes.add("storage_volume", href=href, id=volume_id, device=device)
        value["storage_volumes"].append({"id": volume_id, "href": href, "rel": "storage_volume"})
    if i.key_name is not None:
        keyname = (key_ids or {}).get(i.key_name, i.key_name)
        auth = node.add("authentication", type="key")
        auth.add("login").add("keyname", keyname)
        value["authentication_type"] = "key"
        value["authentication"] = {"keyname": keyname}
    if nics:
        el = node.add("network_interfaces")
        for ident in nics:
            el.add("network_interface", href=links.member("network_interfaces", ident), id=ident)
    return node, value


def key(links: Links, k: Key, private_key: str | None = None) -> tuple[Node, Any]:
    """A key as Deltacloud's ``type='key'`` credential; the private key (``pem``) only in the
    answer to its create, since Hearth never stores it."""
    href = links.member("keys", k.id)
    node, value = _base("key", href, k.id, k.name)
    node.attrs["type"] = "key"
    node.add("actions").add("link", href=href, method="delete", rel="destroy")
    node.add("fingerprint", k.fingerprint)
    node.add("public_key", k.public_key)
    value.update(credential_type="key", fingerprint=k.fingerprint, public_key=k.public_key, state="AVAILABLE")
    if private_key is not None:
        node.add("pem", private_key)
        value["pem_rsa_key"] = private_key
    node.add("state", "AVAILABLE")
    return node, value


def state_table(machine: Iterable[Transition]) -> dict[str, list[dict[str, str]]]:
    """Hearth's state machine (the one every driver shares) in Deltacloud's terms: a ``start``
    pseudo-state that ``create`` leaves, lower-case state names, ``auto`` for the boot."""
    states: dict[str, list[dict[str, str]]] = {
        "start": [{"to": INITIAL_STATE.value.lower(), "action": "create"}]
    }
    states[INITIAL_STATE.value.lower()] = [{"to": BOOTED_STATE.value.lower(), "auto": "true"}]
    for t in machine:
        to = (t.via or t.target).value.lower()
        for source in sorted(t.sources, key=lambda s: s.value):
            states.setdefault(source.value.lower(), []).append({"to": to, "action": t.action.value})
        if t.via is not None:  # the backend's work in between, left on its own (Deltacloud's auto)
            states.setdefault(to, []).append({"to": t.target.value.lower(), "auto": "true"})
        states.setdefault(t.target.value.lower(), [])
    return states


def instance_states(machine: Iterable[Transition]) -> Document:
    """The state table as Deltacloud's ``states`` document."""
    states = state_table(machine)
    root = Node("states")
    for name, transitions in states.items():
        el = root.add("state", name=name)
        for transition in transitions:
            el.add("transition", **transition)
    return Document(root, [{"name": n, "transitions": ts} for n, ts in states.items()], "instance states")
