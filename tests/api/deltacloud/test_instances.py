"""Instances and keys over /api: create, show, actions, delete, and Deltacloud's statuses."""

from __future__ import annotations

import time
from xml.etree import ElementTree as ET

import httpx

from ..conftest import Running
from .conftest import xml


def _create(api: httpx.Client, **fields: str) -> ET.Element:
    r = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small", **fields})
    assert r.status_code == 201, r.text
    root = xml(r)
    assert r.headers["location"].endswith("/api/instances/" + (root.get("id") or "?"))
    return root


def _wait(api: httpx.Client, ident: str, state: str) -> ET.Element:
    deadline = time.monotonic() + 10
    while True:
        root = xml(api.get(f"/api/instances/{ident}"))
        if root.findtext("state") == state:
            return root
        assert time.monotonic() < deadline, root.findtext("state")
        time.sleep(0.02)


def test_creating_an_instance_answers_201_with_location_and_the_instance(
    api: httpx.Client, server: Running
) -> None:
    made = _create(api, name="dc-one")
    ident = made.get("id") or ""
    assert made.tag == "instance" and made.findtext("name") == "dc-one"
    shown = xml(api.get(f"/api/instances/{ident}"))
    assert shown.get("href") == f"{server.url}/api/instances/{ident}"
    for tag, collection in (
        ("image", "images"),
        ("realm", "realms"),
        ("hardware_profile", "hardware_profiles"),
    ):
        (ref,) = shown.findall(tag)
        assert ref.get("id") and ref.get("href") == f"{server.url}/api/{collection}/{ref.get('id')}"
    image = shown.find("image")
    assert image is not None and image.get("id") == "debian-12"
    assert shown.findtext("owner_id") and shown.find("storage_volumes") is not None


def test_create_without_a_hardware_profile_or_realm_uses_defaults(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"image_id": "debian-12"})
    assert r.status_code == 201, r.text


def test_create_in_a_chosen_realm(api: httpx.Client) -> None:
    made = _create(api, realm_id="local")
    realm = made.find("realm")
    assert realm is not None and realm.get("id") == "local"


def test_create_takes_query_parameters_too_and_answers_json(api: httpx.Client) -> None:
    r = api.post("/api/instances", params={"image_id": "debian-12", "hwp_id": "small", "format": "json"})
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    body = r.json()["instance"]
    assert body["image"]["id"] == "debian-12" and body["href"].endswith("/" + body["id"])


def test_create_without_image_id_is_400_naming_it(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"realm_id": "local"})
    assert r.status_code == 400
    assert "image_id" in (xml(r).findtext("message") or "")


def test_create_from_an_unknown_image_is_an_error(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"image_id": "no-such-image", "hwp_id": "small"})
    assert r.status_code in (400, 404), r.text
    assert xml(r).tag == "error"


def test_instances_list_their_allowed_actions_as_absolute_links(api: httpx.Client, server: Running) -> None:
    ident = _create(api).get("id") or ""
    running = _wait(api, ident, "RUNNING")
    links = {link.get("rel"): link for link in running.findall("actions/link")}
    assert {"stop", "reboot"} <= set(links)
    assert links["stop"].get("href") == f"{server.url}/api/instances/{ident}/stop"
    assert all(link.get("method") == "post" for link in links.values())


def test_stop_start_and_destroy_answer_202_202_and_204(api: httpx.Client) -> None:
    ident = _create(api).get("id") or ""
    _wait(api, ident, "RUNNING")
    r = api.post(f"/api/instances/{ident}/stop")
    assert r.status_code == 202 and xml(r).get("id") == ident
    _wait(api, ident, "STOPPED")
    assert api.post(f"/api/instances/{ident}/start").status_code == 202
    _wait(api, ident, "RUNNING")
    assert api.post(f"/api/instances/{ident}/reboot").status_code == 202
    assert api.post(f"/api/instances/{ident}/stop").status_code == 202
    _wait(api, ident, "STOPPED")
    r = api.delete(f"/api/instances/{ident}")
    assert r.status_code == 204 and r.content == b""


def test_an_action_the_state_does_not_allow_is_405(api: httpx.Client) -> None:
    ident = _create(api).get("id") or ""
    _wait(api, ident, "RUNNING")
    r = api.post(f"/api/instances/{ident}/start")
    assert r.status_code == 405
    assert xml(r).get("status") == "405"


def test_an_action_on_an_unknown_instance_is_403(api: httpx.Client) -> None:
    assert api.post("/api/instances/nope/stop").status_code == 403


def test_an_unknown_action_is_404(api: httpx.Client) -> None:
    ident = _create(api).get("id") or ""
    assert api.post(f"/api/instances/{ident}/explode").status_code == 404


def test_another_user_cannot_see_demo_s_instance(api: httpx.Client, server: Running) -> None:
    ident = _create(api).get("id") or ""
    with httpx.Client(base_url=server.url, auth=("other", "other-password"), headers={"accept": ""}) as other:
        assert other.get(f"/api/instances/{ident}").status_code == 404
        assert ident not in {i.get("id") for i in xml(other.get("/api/instances")).findall("instance")}


def test_keys_are_created_shown_listed_and_deleted(api: httpx.Client, server: Running) -> None:
    r = api.post("/api/keys", data={"name": "dc-key"})
    assert r.status_code == 201, r.text
    made = xml(r)
    ident = made.get("id") or ""
    assert r.headers["location"] == f"{server.url}/api/keys/{ident}"
    assert made.findtext("name") == "dc-key" and made.findtext("pem")
    shown = xml(api.get(f"/api/keys/{ident}"))
    assert shown.findtext("name") == "dc-key" and shown.find("pem") is None
    assert ident in {k.get("id") for k in xml(api.get("/api/keys")).findall("key")}
    assert api.delete(f"/api/keys/{ident}").status_code == 204
    assert api.get(f"/api/keys/{ident}").status_code == 404


def test_a_key_without_a_name_is_400(api: httpx.Client) -> None:
    r = api.post("/api/keys", data={})
    assert r.status_code == 400 and "name" in (xml(r).findtext("message") or "")


def test_an_instance_can_be_created_with_a_key_named_by_name_and_shows_its_id(api: httpx.Client) -> None:
    key = api.post("/api/keys", data={"name": "boot-key"})
    assert key.status_code == 201
    made = _create(api, keyname="boot-key")
    assert made.findtext("authentication/login/keyname") == xml(key).get("id")


def test_hardware_profile_choices_are_passed_and_shown_as_fixed_properties(api: httpx.Client) -> None:
    made = _create(api, hwp_id="flexible", hwp_memory="2048", hwp_cpu="2")
    props = {p.get("name"): p for p in made.findall("hardware_profile/property")}
    assert props["memory"].attrib == {"kind": "fixed", "name": "memory", "unit": "MB", "value": "2048"}
    assert props["cpu"].get("value") == "2"


def test_a_hardware_profile_choice_out_of_range_is_refused(api: httpx.Client) -> None:
    r = api.post(
        "/api/instances", data={"image_id": "debian-12", "hwp_id": "flexible", "hwp_memory": "999999"}
    )
    assert r.status_code == 400, r.text


def test_instances_can_be_filtered_by_realm_and_state(api: httpx.Client) -> None:
    ident = _create(api, realm_id="local").get("id") or ""
    _wait(api, ident, "RUNNING")
    in_local = {
        i.get("id") for i in xml(api.get("/api/instances", params={"realm_id": "local"})).findall("instance")
    }
    assert ident in in_local
    elsewhere = xml(api.get("/api/instances", params={"realm_id": "remote"})).findall("instance")
    assert ident not in {i.get("id") for i in elsewhere}
    running = xml(api.get("/api/instances", params={"state": "RUNNING"})).findall("instance")
    assert ident in {i.get("id") for i in running} and all(i.findtext("state") == "RUNNING" for i in running)


def test_a_public_key_can_be_imported(api: httpx.Client) -> None:
    made = xml(api.post("/api/keys", data={"name": "gen-for-import"}))
    public = made.findtext("public_key") or ""
    r = api.post("/api/keys", data={"name": "imported", "public_key": public})
    assert r.status_code == 201, r.text
    imported = xml(r)
    assert imported.findtext("fingerprint") == made.findtext("fingerprint")
    assert imported.find("pem") is None


def test_an_invalid_public_key_is_refused(api: httpx.Client) -> None:
    r = api.post("/api/keys", data={"name": "bad", "public_key": "not a key"})
    assert r.status_code == 400, r.text


def test_posting_destroy_answers_202_with_the_finished_instance(api: httpx.Client) -> None:
    ident = _create(api).get("id") or ""
    _wait(api, ident, "RUNNING")
    assert api.post(f"/api/instances/{ident}/stop").status_code == 202
    _wait(api, ident, "STOPPED")
    r = api.post(f"/api/instances/{ident}/destroy")
    assert r.status_code == 202, r.text
    assert xml(r).findtext("state") == "FINISHED"


def test_deleting_an_unknown_instance_is_403(api: httpx.Client) -> None:
    assert api.delete("/api/instances/nope").status_code == 403


def test_destroying_a_running_instance_is_405(api: httpx.Client) -> None:
    ident = _create(api).get("id") or ""
    _wait(api, ident, "RUNNING")
    assert api.delete(f"/api/instances/{ident}").status_code == 405


def test_a_create_names_its_key_by_the_id_keys_lists_and_the_instance_shows_that_id(
    api: httpx.Client,
) -> None:
    made = api.post("/api/keys", data={"name": "dc-keyed"})
    assert made.status_code == 201, made.text
    key_id = xml(made).get("id") or ""
    assert key_id != "dc-keyed"
    root = _create(api, keyname=key_id)
    assert root.findtext("authentication/login/keyname") == key_id
    shown = xml(api.get(f"/api/instances/{root.get('id')}"))
    assert shown.findtext("authentication/login/keyname") == key_id


def test_a_create_with_an_unknown_key_is_404(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"image_id": "debian-12", "keyname": "no-such-key"})
    assert r.status_code == 404, r.text


def test_the_server_header_is_deltacloud_alone(api: httpx.Client) -> None:
    r = api.get("/api")
    assert r.headers.get_list("server") == ["Apache-Deltacloud/1.1.3"]
