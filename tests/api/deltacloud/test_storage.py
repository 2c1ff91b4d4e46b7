"""storage_volumes and storage_snapshots over /api: Deltacloud's documents, create (201 with
Location), delete (204), attach and detach (202), parameters named in 400s, 404 for unknown
ids, and links and features offered only where the backend serves them."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import httpx
import pytest

from hearth.api.deltacloud.links import Links
from hearth.api.deltacloud.storage_views import volume
from hearth.drivers import Collection
from hearth.drivers.resources import Volume, VolumeState

from ..conftest import DEMO, FAST, OTHER, Running, serve_driver
from .conftest import xml
from .readonly import read_only_mock

_names = itertools.count()


def _volume(api: httpx.Client, **fields: str) -> ET.Element:
    r = api.post("/api/storage_volumes", data={"name": f"dc-vol-{next(_names)}", **fields})
    assert r.status_code == 201, r.text
    root = xml(r)
    assert root.tag == "storage_volume"
    assert r.headers["location"] == root.get("href")
    assert r.headers["location"].endswith("/api/storage_volumes/" + (root.get("id") or "?"))
    return root


def _snapshot(api: httpx.Client, volume_id: str, **fields: str) -> ET.Element:
    r = api.post("/api/storage_snapshots", data={"volume_id": volume_id, **fields})
    assert r.status_code == 201, r.text
    root = xml(r)
    assert root.tag == "storage_snapshot"
    assert r.headers["location"].endswith("/api/storage_snapshots/" + (root.get("id") or "?"))
    return root


def _instance(api: httpx.Client) -> str:
    """A RUNNING instance (a volume attaches to a RUNNING or STOPPED one)."""
    r = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"})
    assert r.status_code == 201, r.text
    ident = xml(r).get("id") or ""
    deadline = time.monotonic() + 10
    while (state := xml(api.get(f"/api/instances/{ident}")).findtext("state")) != "RUNNING":
        assert time.monotonic() < deadline, state
        time.sleep(0.02)
    return ident


def _actions(root: ET.Element) -> dict[str, tuple[str | None, str | None]]:
    return {
        link.get("rel") or "": (link.get("method"), link.get("href")) for link in root.findall("actions/link")
    }


def _message(r: httpx.Response) -> str:
    return xml(r).findtext("message") or ""


def test_the_entry_point_links_both_collections_and_the_volume_name_feature(api: httpx.Client) -> None:
    root = xml(api.get("/api"))
    links = {link.get("rel"): link for link in root.findall("link")}
    assert {"storage_volumes", "storage_snapshots"} <= set(links)
    (feature,) = links["storage_volumes"].findall("feature")
    assert feature.get("name") == "volume_name" and feature.get("rel") == "create"
    assert [p.get("name") for p in feature.findall("param")] == ["name"]
    assert links["storage_snapshots"].findall("feature") == []


def test_a_created_volume_is_shown_listed_and_written_as_deltacloud_writes_it(
    api: httpx.Client, server: Running
) -> None:
    made = _volume(api, capacity="2", name="dc-vol-shown")
    ident = made.get("id") or ""
    href = f"{server.url}/api/storage_volumes/{ident}"
    shown = xml(api.get(f"/api/storage_volumes/{ident}"))
    assert shown.get("href") == href
    assert [c.tag for c in shown] == ["created", "capacity", "name", "realm", "realm_id", "state", "actions"]
    capacity = shown.find("capacity")
    assert capacity is not None and capacity.text == "2" and capacity.get("unit") == "GB"
    assert shown.findtext("name") == "dc-vol-shown" and shown.findtext("state") == "AVAILABLE"
    realm = shown.find("realm")
    assert realm is not None and realm.get("href") == f"{server.url}/api/realms/{shown.findtext('realm_id')}"
    assert _actions(shown) == {"attach": ("post", f"{href}/attach"), "destroy": ("delete", href)}
    listed = xml(api.get("/api/storage_volumes"))
    assert listed.tag == "storage_volumes"
    assert ident in {v.get("id") for v in listed.findall("storage_volume")}


def test_a_volume_s_capacity_defaults_to_one_gb(api: httpx.Client) -> None:
    assert _volume(api).findtext("capacity") == "1"


@pytest.mark.parametrize("capacity", ["lots", "0", "-3", "99999", "1.5"])
def test_a_bad_capacity_is_a_400_naming_capacity(api: httpx.Client, capacity: str) -> None:
    r = api.post("/api/storage_volumes", data={"capacity": capacity})
    assert r.status_code == 400
    assert _message(r).startswith("Parameter capacity:")


def test_a_volume_made_from_a_snapshot_is_answered_once_the_copy_is_done(api: httpx.Client) -> None:
    source = _volume(api, capacity="3")
    snap = _snapshot(api, source.get("id") or "")
    clone = _volume(api, snapshot_id=snap.get("id") or "", name="dc-clone")
    assert clone.findtext("name") == "dc-clone" and clone.findtext("state") == "AVAILABLE"
    assert api.get(f"/api/storage_volumes/{clone.get('id')}").status_code == 200


def test_a_volume_in_an_unknown_realm_is_404_naming_it(api: httpx.Client) -> None:
    r = api.post("/api/storage_volumes", data={"realm_id": "atlantis"})
    assert r.status_code == 404 and "atlantis" in _message(r)


def test_a_volume_from_an_unknown_snapshot_is_404(api: httpx.Client) -> None:
    r = api.post("/api/storage_volumes", data={"snapshot_id": "no-such-snapshot"})
    assert r.status_code == 404 and "no-such-snapshot" in _message(r)


def test_attach_and_detach_answer_202_with_the_volume_mounted_then_free(
    api: httpx.Client, server: Running
) -> None:
    ident = _volume(api).get("id") or ""
    inst = _instance(api)
    href = f"{server.url}/api/storage_volumes/{ident}"
    r = api.post(f"/api/storage_volumes/{ident}/attach", data={"instance_id": inst, "device": "/dev/vdc"})
    assert r.status_code == 202, r.text
    attached = xml(r)
    assert attached.findtext("state") == "IN-USE" and attached.findtext("device") == "vdc"
    mounted = attached.find("mount/instance")
    assert mounted is not None and mounted.get("id") == inst
    assert mounted.get("href") == f"{server.url}/api/instances/{inst}"
    device = attached.find("mount/device")
    assert device is not None and device.get("name") == "vdc"
    assert _actions(attached) == {"detach": ("post", f"{href}/detach")}
    assert xml(api.get(f"/api/storage_volumes/{ident}")).findtext("state") == "IN-USE"

    r = api.post(f"/api/storage_volumes/{ident}/detach")
    assert r.status_code == 202, r.text
    free = xml(r)
    assert free.findtext("state") == "AVAILABLE" and free.find("mount") is None
    assert set(_actions(free)) == {"attach", "destroy"}


def test_an_attached_volume_in_json_names_its_instance(api: httpx.Client, server: Running) -> None:
    ident = _volume(api, capacity="4").get("id") or ""
    inst = _instance(api)
    r = api.post(
        f"/api/storage_volumes/{ident}/attach?format=json", data={"instance_id": inst, "device": "vdd"}
    )
    assert r.status_code == 202 and r.headers["content-type"] == "application/json"
    value = r.json()["storage_volume"]
    assert list(value) == [
        "id", "href", "name", "description", "state", "created", "realm",
        "device", "kind", "capacity", "actions", "instance",
    ]  # fmt: skip
    assert value["state"] == "IN-USE" and value["capacity"] == 4 and value["device"] == "vdd"
    assert value["instance"] == {"id": inst, "href": f"{server.url}/api/instances/{inst}", "rel": "instance"}
    href = f"{server.url}/api/storage_volumes/{ident}"
    assert value["actions"] == [{"href": f"{href}/detach", "rel": "detach"}]
    listed = api.get("/api/storage_volumes", params={"format": "json"}).json()["storage_volumes"]
    assert ident in {v["id"] for v in listed}


def test_an_instance_lists_the_volumes_attached_to_it(api: httpx.Client, server: Running) -> None:
    ident = _volume(api).get("id") or ""
    inst = _instance(api)
    r = api.post(f"/api/storage_volumes/{ident}/attach", data={"instance_id": inst, "device": "vdf"})
    assert r.status_code == 202, r.text
    href = f"{server.url}/api/storage_volumes/{ident}"
    (ref,) = xml(api.get(f"/api/instances/{inst}")).findall("storage_volumes/storage_volume")
    assert ref.attrib == {"href": href, "id": ident, "device": "vdf"}
    value = api.get(f"/api/instances/{inst}", params={"format": "json"}).json()["instance"]
    assert value["storage_volumes"] == [{"id": ident, "href": href, "rel": "storage_volume"}]
    assert api.post(f"/api/storage_volumes/{ident}/detach").status_code == 202
    assert xml(api.get(f"/api/instances/{inst}")).findall("storage_volumes/storage_volume") == []


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"device": "vdb"}, "instance_id"), ({"instance_id": "x"}, "device"), ({}, "instance_id")],
)
def test_attach_without_a_required_parameter_is_a_400_naming_it(
    api: httpx.Client, fields: dict[str, str], named: str
) -> None:
    ident = _volume(api).get("id")
    r = api.post(f"/api/storage_volumes/{ident}/attach", data=fields)
    assert r.status_code == 400
    assert _message(r).startswith(f"Required parameter '{named}' not found")


def test_attach_as_a_device_no_guest_has_is_a_400_naming_device(api: httpx.Client) -> None:
    ident = _volume(api).get("id")
    inst = _instance(api)
    r = api.post(f"/api/storage_volumes/{ident}/attach", data={"instance_id": inst, "device": "c:"})
    assert r.status_code == 400 and _message(r).startswith("Parameter device:")


def test_attach_to_an_unknown_instance_and_detach_of_an_unknown_volume_are_404(api: httpx.Client) -> None:
    ident = _volume(api).get("id")
    r = api.post(f"/api/storage_volumes/{ident}/attach", data={"instance_id": "nope", "device": "vdb"})
    assert r.status_code == 404
    assert api.post("/api/storage_volumes/nope/detach").status_code == 404
    assert (
        api.post("/api/storage_volumes/nope/attach", data={"instance_id": "x", "device": "vdb"}).status_code
        == 404
    )


def test_detaching_a_free_volume_is_refused(api: httpx.Client) -> None:
    ident = _volume(api).get("id")
    r = api.post(f"/api/storage_volumes/{ident}/detach")
    assert r.status_code == 409 and "not attached" in _message(r)


def test_deleting_a_volume_is_204_and_it_is_gone(api: httpx.Client) -> None:
    ident = _volume(api).get("id")
    r = api.delete(f"/api/storage_volumes/{ident}")
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"/api/storage_volumes/{ident}").status_code == 404
    assert api.delete(f"/api/storage_volumes/{ident}").status_code == 404


def test_an_attached_volume_cannot_be_deleted(api: httpx.Client) -> None:
    ident = _volume(api).get("id")
    inst = _instance(api)
    assert (
        api.post(
            f"/api/storage_volumes/{ident}/attach", data={"instance_id": inst, "device": "vde"}
        ).status_code
        == 202
    )
    r = api.delete(f"/api/storage_volumes/{ident}")
    assert r.status_code == 409 and "detach" in _message(r)


def test_an_unknown_volume_is_404(api: httpx.Client) -> None:
    r = api.get("/api/storage_volumes/no-such-volume")
    assert r.status_code == 404 and "no-such-volume" in _message(r)


def test_a_snapshot_is_created_shown_listed_and_deleted(api: httpx.Client, server: Running) -> None:
    vol = _volume(api).get("id") or ""
    made = _snapshot(api, vol, name="dc-snap")
    ident = made.get("id") or ""
    shown = xml(api.get(f"/api/storage_snapshots/{ident}"))
    assert shown.get("href") == f"{server.url}/api/storage_snapshots/{ident}"
    assert [c.tag for c in shown] == ["name", "created", "storage_volume"]
    assert shown.findtext("name") == "dc-snap"
    source = shown.find("storage_volume")
    assert source is not None and source.get("id") == vol
    assert source.get("href") == f"{server.url}/api/storage_volumes/{vol}"
    listed = xml(api.get("/api/storage_snapshots"))
    assert listed.tag == "storage_snapshots"
    assert ident in {s.get("id") for s in listed.findall("storage_snapshot")}
    r = api.delete(f"/api/storage_snapshots/{ident}")
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"/api/storage_snapshots/{ident}").status_code == 404


def test_a_snapshot_in_json_has_deltacloud_s_keys_and_state(api: httpx.Client, server: Running) -> None:
    vol = _volume(api).get("id") or ""
    ident = _snapshot(api, vol).get("id") or ""
    value = api.get(f"/api/storage_snapshots/{ident}", params={"format": "json"}).json()["storage_snapshot"]
    assert value["id"] == ident and value["state"] == "COMPLETED"
    assert value["storage_volume"] == {
        "id": vol,
        "href": f"{server.url}/api/storage_volumes/{vol}",
        "rel": "storage_volume",
    }
    assert {"href", "created", "name"} <= set(value)


def test_a_snapshot_without_a_volume_id_is_400_naming_it(api: httpx.Client) -> None:
    r = api.post("/api/storage_snapshots", data={"name": "x"})
    assert r.status_code == 400
    assert _message(r) == "Required parameter 'volume_id' not found in [name]"


def test_a_snapshot_of_an_unknown_volume_and_an_unknown_snapshot_are_404(api: httpx.Client) -> None:
    assert api.post("/api/storage_snapshots", data={"volume_id": "nope"}).status_code == 404
    assert api.get("/api/storage_snapshots/nope").status_code == 404
    assert api.delete("/api/storage_snapshots/nope").status_code == 404


def test_a_volume_with_snapshots_cannot_be_deleted(api: httpx.Client) -> None:
    vol = _volume(api).get("id") or ""
    _snapshot(api, vol)
    assert api.delete(f"/api/storage_volumes/{vol}").status_code == 409


def test_both_collections_need_credentials(anonymous: httpx.Client) -> None:
    for path in ("/api/storage_volumes", "/api/storage_snapshots"):
        r = anonymous.get(path)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic ")


def test_another_user_sees_neither_demo_s_volume_nor_its_snapshot(api: httpx.Client, server: Running) -> None:
    vol = _volume(api).get("id") or ""
    snap = _snapshot(api, vol).get("id") or ""
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as other:
        assert other.get(f"/api/storage_volumes/{vol}").status_code == 404
        assert other.get(f"/api/storage_snapshots/{snap}").status_code == 404
        listed = xml(other.get("/api/storage_volumes"))
        assert vol not in {v.get("id") for v in listed.findall("storage_volume")}
        assert other.delete(f"/api/storage_volumes/{vol}").status_code == 404


# --- a backend that lists and shows volumes and snapshots, and nothing more -----------------

ListOnlyStorage = read_only_mock(
    "liststorage", Collection.volumes, Collection.snapshots, features=frozenset()
)


def _client(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, auth=DEMO, timeout=30, headers={"accept": ""}) as c:
        yield c


@pytest.fixture(scope="module")
def readonly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("dc-storage-readonly")
    with serve_driver(tmp, lambda e: ListOnlyStorage(e, timing=FAST)) as running:
        yield from _client(running)


def test_a_backend_that_cannot_create_advertises_no_feature_and_refuses_with_412_naming_it(
    readonly: httpx.Client,
) -> None:
    links = {link.get("rel"): link for link in xml(readonly.get("/api")).findall("link")}
    assert links["storage_volumes"].findall("feature") == []
    assert readonly.get("/api/storage_volumes").status_code == 200
    refused = {
        "create_storage_volume": readonly.post("/api/storage_volumes", data={"capacity": "1"}),
        "create_storage_snapshot": readonly.post("/api/storage_snapshots", data={"volume_id": "v"}),
        "destroy_storage_volume": readonly.delete("/api/storage_volumes/v"),
        "destroy_storage_snapshot": readonly.delete("/api/storage_snapshots/s"),
        "attach_storage_volume": readonly.post(
            "/api/storage_volumes/v/attach", data={"instance_id": "i", "device": "vdb"}
        ),
        "detach_storage_volume": readonly.post("/api/storage_volumes/v/detach"),
    }
    for capability, r in refused.items():
        assert (r.status_code, r.headers.get("expect")) == (412, capability), r.text
        assert xml(r).findtext("code") == "412"


def test_a_volume_offers_only_the_actions_its_backend_serves() -> None:
    v = Volume(
        id="v1", name="v1", owner_id="demo", created=datetime.now(UTC),
        capacity_gb=1, state=VolumeState.AVAILABLE, realm="local",
    )  # fmt: skip
    links = Links("http://h")
    node, value = volume(links, v, set())
    assert [c.tag for c in node.children if c.tag == "actions"] == [] and value["actions"] == []
    node, value = volume(links, v, {"destroy", "detach"})
    assert [a["rel"] for a in value["actions"]] == ["destroy"]
