"""Every collection's common shape (Deltacloud's common_tests_collections), then each one's own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ..conftest import DEMO, Running
from .conftest import xml

COLLECTIONS = ["realms", "hardware_profiles", "images", "instances", "keys"]
SINGULAR = {
    "realms": "realm",
    "hardware_profiles": "hardware_profile",
    "images": "image",
    "instances": "instance",
    "keys": "key",
}


@pytest.fixture(scope="module", autouse=True)
def members(server: Running) -> Iterator[None]:
    """An instance and a key of demo's, so every collection has members."""
    with httpx.Client(base_url=server.url, auth=DEMO, timeout=30, headers={"accept": ""}) as c:
        assert c.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"}).status_code == 201
        assert c.post("/api/keys", data={"name": "common-key"}).status_code == 201
    yield


@pytest.mark.parametrize("name", [*COLLECTIONS, "instance_states"])
def test_the_entry_point_links_the_collection(anonymous: httpx.Client, name: str) -> None:
    assert name in {link.get("rel") for link in xml(anonymous.get("/api")).findall("link")}


@pytest.mark.parametrize("name", [*COLLECTIONS, "instance_states"])
def test_the_collection_answers_xml_with_its_root_and_an_etag(api: httpx.Client, name: str) -> None:
    r = api.get(f"/api/{name}")
    assert r.status_code == 200 and r.headers["etag"]
    assert xml(r).tag == ("states" if name == "instance_states" else name)


@pytest.mark.parametrize("name", [*COLLECTIONS, "instance_states"])
def test_the_collection_answers_json(api: httpx.Client, name: str) -> None:
    r = api.get(f"/api/{name}", headers={"accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    if name != "instance_states":
        assert isinstance(body[name], list) and body[name]
        assert all(item["href"].endswith("/" + item["id"]) for item in body[name])


@pytest.mark.parametrize("name", ["realms", "images", "instances", "keys"])
def test_the_collection_needs_credentials(anonymous: httpx.Client, name: str) -> None:
    assert anonymous.get(f"/api/{name}").status_code == 401


@pytest.mark.parametrize("name", COLLECTIONS)
def test_each_member_has_an_id_an_absolute_href_ending_in_it_and_a_name(
    api: httpx.Client, server: Running, name: str
) -> None:
    items = xml(api.get(f"/api/{name}")).findall(SINGULAR[name])
    assert items
    for item in items:
        ident = item.get("id")
        assert ident and item.get("href") == f"{server.url}/api/{name}/{ident}"
        assert item.findtext("name")
        shown = api.get(item.get("href") or "")
        assert shown.status_code == 200
        element = xml(shown)
        assert element.tag == SINGULAR[name] and element.get("id") == ident
        assert element.findtext("name") == item.findtext("name")


def test_realms_carry_their_state(api: httpx.Client) -> None:
    for realm in xml(api.get("/api/realms")).findall("realm"):
        assert realm.findtext("state") in ("AVAILABLE", "UNAVAILABLE")


def test_hardware_profile_properties_render_as_deltacloud_does(api: httpx.Client, server: Running) -> None:
    profile = xml(api.get("/api/hardware_profiles/flexible"))
    props = {p.get("name"): p for p in profile.findall("property")}
    assert {p.get("kind") for p in props.values()} == {"fixed", "range", "enum"}
    memory = props["memory"]
    assert memory.get("kind") == "range" and memory.get("unit") == "MB"
    rng = memory.find("range")
    assert rng is not None and int(rng.get("first") or 0) < int(rng.get("last") or 0)
    param = memory.find("param")
    assert param is not None and param.attrib == {
        "href": f"{server.url}/api/instances",
        "method": "post",
        "name": "hwp_memory",
        "operation": "create",
    }
    cpu = props["cpu"]
    assert cpu.get("kind") == "enum" and [e.get("value") for e in cpu.findall("enum/entry")]
    arch = props["architecture"]
    assert arch.get("kind") == "fixed" and arch.get("value") and not list(arch)


def test_a_hardware_profile_in_json_flattens_its_properties(api: httpx.Client) -> None:
    body = api.get("/api/hardware_profiles/flexible", params={"format": "json"}).json()["hardware_profile"]
    assert body["id"] == "flexible" and set(body["properties"]) >= {"memory", "cpu", "architecture"}


def test_instance_states_start_with_create_and_every_transition_leads_to_a_state(api: httpx.Client) -> None:
    root = xml(api.get("/api/instance_states"))
    states = root.findall("state")
    names = {s.get("name") for s in states}
    assert states[0].get("name") == "start"
    first = states[0].find("transition")
    assert first is not None and first.get("action") == "create" and first.get("to") == "pending"
    for state in states:
        for t in state.findall("transition"):
            assert t.get("to") in names
            assert t.get("action") or t.get("auto") == "true"
    running = {t.get("action") for t in root.findall("state[@name='running']/transition")}
    assert {"stop", "reboot"} <= running


def test_images_link_to_creating_an_instance(api: httpx.Client, server: Running) -> None:
    image = xml(api.get("/api/images/debian-12"))
    assert image.findtext("owner_id") and image.findtext("architecture") and image.findtext("state")
    link = image.find("actions/link[@rel='create_instance']")
    assert link is not None and link.get("href") == f"{server.url}/api/instances;image_id=debian-12"


def test_images_list_the_hardware_profiles_they_can_run_on(api: httpx.Client, server: Running) -> None:
    image = xml(api.get("/api/images/debian-12"))
    refs = image.findall("hardware_profiles/hardware_profile")
    profiles = {p.get("id") for p in xml(api.get("/api/hardware_profiles")).findall("hardware_profile")}
    assert {r.get("id") for r in refs} == profiles and profiles
    for ref in refs:
        assert ref.get("rel") == "hardware_profile"
        assert ref.get("href") == f"{server.url}/api/hardware_profiles/{ref.get('id')}"
    listed = api.get("/api/images", params={"format": "json"}).json()["images"][0]
    assert {h["id"] for h in listed["hardware_profiles"]} == profiles


def test_an_unknown_image_is_404(api: httpx.Client) -> None:
    assert api.get("/api/images/nope").status_code == 404


def test_a_transitional_state_moves_on_by_itself(api: httpx.Client) -> None:
    root = xml(api.get("/api/instance_states", params={"format": "xml"}))
    stop = root.find("state[@name='running']/transition[@action='stop']")
    assert stop is not None and stop.get("to") == "stopping"
    (auto,) = root.findall("state[@name='stopping']/transition")
    assert auto.attrib == {"to": "stopped", "auto": "true"}
