"""images over /api: the owner_id and architecture filters (XML and JSON), create from a stopped
instance (201 with Location), delete (204, then 404), Deltacloud's statuses for a missing
instance_id, an unknown instance and a running one, and 412 with Expect where the backend
cannot create or delete images."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import httpx
import pytest

from hearth.drivers import SYSTEM_OWNER, Collection
from hearth.drivers.resources import Architecture, Image, ImageFilter, ImageState

from ..conftest import DEMO, FAST, OTHER, Running, serve_driver
from .conftest import xml
from .readonly import read_only_mock

_names = itertools.count()


def _stopped_instance(api: httpx.Client) -> str:
    """A STOPPED instance: the only state an image is captured from."""
    r = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"})
    assert r.status_code == 201, r.text
    ident = xml(r).get("id") or ""
    for wanted, action in (("RUNNING", None), ("STOPPED", "stop")):
        if action is not None:
            assert api.post(f"/api/instances/{ident}/{action}").status_code == 202
        deadline = time.monotonic() + 10
        while (state := xml(api.get(f"/api/instances/{ident}")).findtext("state")) != wanted:
            assert time.monotonic() < deadline, state
            time.sleep(0.02)
    return ident


def _create(api: httpx.Client, instance_id: str, **fields: str) -> httpx.Response:
    return api.post("/api/images", data={"instance_id": instance_id, **fields})


@pytest.fixture(scope="module")
def captured(server: Running) -> str:
    """An image demo captured, so demo sees one of its own beside the shared catalogue."""
    with httpx.Client(base_url=server.url, auth=DEMO, timeout=30, headers={"accept": ""}) as api:
        r = _create(api, _stopped_instance(api), name="dc-captured")
        assert r.status_code == 201, r.text
        return xml(r).get("id") or ""


def _ids(root: ET.Element) -> set[str]:
    return {i.get("id") or "" for i in root.findall("image")}


def test_owner_id_keeps_only_that_owner_s_images_in_xml(api: httpx.Client, captured: str) -> None:
    everything = xml(api.get("/api/images"))
    mine = xml(api.get("/api/images", params={"owner_id": "self"}))
    assert _ids(mine) == {captured}
    owner = mine.findtext("image/owner_id") or ""
    assert _ids(xml(api.get("/api/images", params={"owner_id": owner}))) == {captured}
    shared = xml(api.get("/api/images", params={"owner_id": SYSTEM_OWNER}))
    assert _ids(shared) == _ids(everything) - {captured} and _ids(shared)
    assert {i.findtext("owner_id") for i in shared.findall("image")} == {SYSTEM_OWNER}


def test_owner_id_filters_json_too_and_an_unknown_owner_is_an_empty_list(
    api: httpx.Client, captured: str
) -> None:
    r = api.get("/api/images", params={"owner_id": "self", "format": "json"})
    assert r.status_code == 200 and [i["id"] for i in r.json()["images"]] == [captured]
    r = api.get("/api/images", params={"owner_id": "nobody", "format": "json"})
    assert r.status_code == 200 and r.json() == {"images": []}
    assert xml(api.get("/api/images", params={"owner_id": "nobody"})).findall("image") == []


def test_architecture_keeps_only_that_architecture(api: httpx.Client, captured: str) -> None:
    everything = _ids(xml(api.get("/api/images")))
    x86 = xml(api.get("/api/images", params={"architecture": "x86_64"}))
    assert _ids(x86) == everything and captured in everything
    assert {i.findtext("architecture") for i in x86.findall("image")} == {"x86_64"}
    assert xml(api.get("/api/images", params={"architecture": "i686"})).findall("image") == []
    r = api.get("/api/images", params={"architecture": "sparc", "format": "json"})
    assert r.status_code == 200 and r.json() == {"images": []}


def test_filters_combine_and_pass_through_matrix_parameters(api: httpx.Client, captured: str) -> None:
    r = api.get("/api/images;owner_id=self;architecture=x86_64", params={"format": "json"})
    assert [i["id"] for i in r.json()["images"]] == [captured]
    r = api.get("/api/images", params={"owner_id": "self", "architecture": "i686", "format": "json"})
    assert r.json() == {"images": []}


def test_another_user_s_self_is_not_demo(server: Running, captured: str) -> None:
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as other:
        assert xml(other.get("/api/images", params={"owner_id": "self"})).findall("image") == []
        assert captured not in _ids(xml(other.get("/api/images")))


def test_an_overlong_filter_is_a_400_naming_it(api: httpx.Client) -> None:
    r = api.get("/api/images", params={"owner_id": "x" * 300, "format": "json"})
    assert r.status_code == 400 and "owner_id" in r.json()["message"]


def test_image_filter_keeps_by_owner_self_and_architecture() -> None:
    def made(owner: str, arch: Architecture) -> Image:
        return Image(
            id=f"i-{owner}-{arch}", name="n", owner_id=owner, created=datetime.now(UTC),
            state=ImageState.AVAILABLE, architecture=arch,
        )  # fmt: skip

    images = [made("u1", Architecture.x86_64), made("u1", Architecture.i686), made("u2", Architecture.i686)]

    def kept(**fields: str) -> list[str]:
        chosen = ImageFilter.model_validate(fields)
        return [i.id for i in images if chosen.keeps(i, "u1")]

    assert kept() == [i.id for i in images]
    assert kept(owner_id="self") == ["i-u1-x86_64", "i-u1-i686"]
    assert kept(owner_id="u2") == ["i-u2-i686"]
    assert kept(architecture="i686") == ["i-u1-i686", "i-u2-i686"]
    assert kept(owner_id="self", architecture="i686") == ["i-u1-i686"]
    assert kept(architecture="sparc") == []


def test_create_answers_201_with_location_then_get_then_delete_204_then_404(
    api: httpx.Client, server: Running
) -> None:
    instance_id = _stopped_instance(api)
    r = _create(api, instance_id, name="dc-made", description="made over /api")
    assert r.status_code == 201, r.text
    made = xml(r)
    ident = made.get("id") or ""
    assert made.tag == "image" and made.findtext("name") == "dc-made"
    assert made.findtext("description") == "made over /api" and made.findtext("state") == "AVAILABLE"
    assert r.headers["location"] == f"{server.url}/api/images/{ident}" == made.get("href")
    shown = xml(api.get(f"/api/images/{ident}"))
    assert shown.findtext("name") == "dc-made"
    destroy = shown.find("actions/link[@rel='destroy_image']")
    assert destroy is not None and destroy.get("method") == "delete"
    assert destroy.get("href") == f"{server.url}/api/images/{ident}"
    gone = api.delete(f"/api/images/{ident}")
    assert gone.status_code == 204 and gone.content == b""
    assert api.get(f"/api/images/{ident}").status_code == 404
    assert api.delete(f"/api/images/{ident}").status_code == 404


def test_create_answers_json_and_names_the_image_after_the_instance_when_no_name_came(
    api: httpx.Client,
) -> None:
    instance_id = _stopped_instance(api)
    name = xml(api.get(f"/api/instances/{instance_id}")).findtext("name") or ""
    r = api.post(f"/api/images;instance_id={instance_id}", params={"format": "json"})
    assert r.status_code == 201, r.text
    body = r.json()["image"]
    assert body["name"].endswith("-image") and body["name"].startswith(name[:10])
    assert r.headers["location"].endswith(f"/api/images/{body['id']}")
    assert {a["rel"] for a in body["actions"]} == {"create_instance", "destroy_image"}
    assert api.delete(f"/api/images/{body['id']}").status_code == 204


def test_create_without_instance_id_is_400_naming_it(api: httpx.Client) -> None:
    r = api.post("/api/images", data={"name": "dc-nothing"}, params={"format": "json"})
    assert r.status_code == 400
    assert r.json()["message"] == "Required parameter 'instance_id' not found in [format,name]"
    err = xml(api.post("/api/images"))
    assert err.tag == "error" and "'instance_id'" in (err.findtext("message") or "")


def test_create_from_an_unknown_instance_is_404_as_deltacloud_answers(api: httpx.Client) -> None:
    r = _create(api, "no-such-instance", name="dc-ghost")
    assert r.status_code == 404
    assert xml(r).findtext("code") == "404"
    r = api.post("/api/images", data={"instance_id": "no-such-instance"}, params={"format": "json"})
    assert r.status_code == 404 and r.json()["error"] == "Deltacloud::Exceptions::ObjectNotFound"


def test_create_from_a_running_instance_is_refused_naming_its_state(api: httpx.Client) -> None:
    r = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"})
    ident = xml(r).get("id") or ""
    r = _create(api, ident, name="dc-running")
    assert r.status_code == 405 and "STOPPED" in (xml(r).findtext("message") or "")


def test_a_bad_name_is_400_naming_it(api: httpx.Client) -> None:
    r = _create(api, _stopped_instance(api), name="no spaces allowed")
    assert r.status_code == 400 and "name" in (xml(r).findtext("message") or "")


def test_a_stopped_instance_links_create_image_and_a_running_one_does_not(
    api: httpx.Client, server: Running
) -> None:
    stopped = _stopped_instance(api)
    link = xml(api.get(f"/api/instances/{stopped}")).find("actions/link[@rel='create_image']")
    assert link is not None and link.get("method") == "post"
    assert link.get("href") == f"{server.url}/api/images;instance_id={stopped}"
    r = api.get(f"/api/instances/{stopped}", params={"format": "json"})
    assert "create_image" in {a["rel"] for a in r.json()["instance"]["actions"]}
    assert api.post(f"/api/instances/{stopped}/start").status_code == 202
    running = xml(api.get(f"/api/instances/{stopped}"))
    assert running.find("actions/link[@rel='create_image']") is None


def test_a_shared_image_offers_no_destroy_to_a_user_who_may_not_delete_it(api: httpx.Client) -> None:
    shared = xml(api.get("/api/images/debian-12"))
    assert shared.find("actions/link[@rel='destroy_image']") is None
    assert api.delete("/api/images/debian-12").status_code == 403


def test_the_html_view_links_create_image_and_destroy_image(api: httpx.Client, captured: str) -> None:
    stopped = _stopped_instance(api)
    page = api.get(f"/api/instances/{stopped}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f"/api/images;instance_id={stopped}'" in page.text and "create_image" in page.text
    page = api.get(f"/api/images/{captured}", headers={"accept": "text/html"})
    assert f"/api/images/{captured}'" in page.text and "destroy_image" in page.text


def test_the_entry_point_advertises_no_image_features_as_deltacloud_s_mock(api: httpx.Client) -> None:
    links = {link.get("rel"): link for link in xml(api.get("/api")).findall("link")}
    assert links["images"].findall("feature") == []
    body = api.get("/api", params={"format": "json"}).json()
    (images,) = [link for link in body["api"]["links"] if link["rel"] == "images"]
    assert images["features"] == []


# --- a backend that lists and shows images, and cannot create or delete them ---------------

ListOnlyImages = read_only_mock("listimages", Collection.images)


@pytest.fixture(scope="module")
def readonly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("dc-images-readonly")
    with serve_driver(tmp, lambda e: ListOnlyImages(e, timing=FAST)) as running:
        yield from _client(running)


def _client(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, auth=DEMO, timeout=30, headers={"accept": ""}) as c:
        yield c


def test_a_backend_that_cannot_create_images_answers_412_expecting_create_image(
    readonly: httpx.Client,
) -> None:
    r = readonly.post("/api/images", data={"instance_id": "anything"})
    assert r.status_code == 412 and r.headers["expect"] == "create_image"
    assert xml(r).findtext("message") == "The required capability to execute this operation is missing"
    r = readonly.post("/api/images", data={"instance_id": "anything"}, params={"format": "json"})
    assert r.status_code == 412 and r.json()["code"] == 412


def test_a_backend_that_cannot_delete_images_answers_412_and_links_no_destroy(
    readonly: httpx.Client,
) -> None:
    r = readonly.delete("/api/images/debian-12")
    assert r.status_code == 412 and r.headers["expect"] == "destroy_image"
    listed = xml(readonly.get("/api/images"))
    assert listed.findall("image") and listed.findall("image/actions/link[@rel='destroy_image']") == []


def test_a_backend_that_cannot_create_images_links_no_create_image(readonly: httpx.Client) -> None:
    stopped = _stopped_instance(readonly)
    shown = xml(readonly.get(f"/api/instances/{stopped}"))
    assert shown.find("actions/link[@rel='start']") is not None
    assert shown.find("actions/link[@rel='create_image']") is None
