"""The entry point, /api/drivers and the driver choice, as Deltacloud's base_api_test checks them."""

from __future__ import annotations

import httpx

from ..conftest import DEMO, Running
from .conftest import xml


def test_the_entry_point_answers_200_without_credentials(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api").status_code == 200


def test_the_entry_point_names_the_driver_and_version(anonymous: httpx.Client) -> None:
    root = xml(anonymous.get("/api"))
    assert root.tag == "api"
    assert root.get("driver") == "mock"
    assert root.get("version") == "1.1.3"


def test_every_collection_link_has_an_absolute_href_and_a_rel(
    server: Running, anonymous: httpx.Client
) -> None:
    links = xml(anonymous.get("/api")).findall("link")
    rels = {link.get("rel") for link in links}
    assert {
        "realms",
        "hardware_profiles",
        "instance_states",
        "images",
        "instances",
        "keys",
        "drivers",
    } <= rels
    for link in links:
        assert link.get("href") == f"{server.url}/api/{link.get('rel')}"


def test_features_are_advertised_with_their_names(anonymous: httpx.Client) -> None:
    features = xml(anonymous.get("/api")).findall("link/feature")
    assert "user_name" in {f.get("name") for f in features}
    assert all(f.get("name") for f in features)


def test_the_headers_name_the_api_version_and_driver_and_carry_an_etag(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api")
    assert "Apache-Deltacloud/1.1.3" in r.headers.get_list("server")
    assert r.headers["x-deltacloud-driver"] == "mock"
    assert r.headers["etag"]


def test_the_json_entry_point_has_deltacloud_s_shape(server: Running, anonymous: httpx.Client) -> None:
    r = anonymous.get("/api", headers={"accept": "application/json"})
    assert r.headers["content-type"] == "application/json"
    api = r.json()["api"]
    assert api["version"] == "1.1.3" and api["driver"] == "mock" and api["provider"] == "default"
    realms = next(link for link in api["links"] if link["rel"] == "realms")
    assert realms == {"rel": "realms", "href": f"{server.url}/api/realms", "features": []}


def test_drivers_lists_the_configured_backend_without_credentials(
    server: Running, anonymous: httpx.Client
) -> None:
    root = xml(anonymous.get("/api/drivers"))
    assert root.tag == "drivers"
    (driver,) = root.findall("driver")
    assert driver.get("id") == "mock" and driver.get("href") == f"{server.url}/api/drivers/mock"
    assert driver.findtext("name")


def test_choosing_the_configured_driver_by_header_or_matrix_parameter_works(anonymous: httpx.Client) -> None:
    assert xml(anonymous.get("/api", headers={"x-deltacloud-driver": "mock"})).get("driver") == "mock"
    assert xml(anonymous.get("/api;driver=mock")).get("driver") == "mock"
    assert xml(anonymous.get("/api", params={"api[driver]": "mock"})).get("driver") == "mock"


def test_choosing_a_driver_this_server_does_not_have_is_an_error_document(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api/realms", headers={"x-deltacloud-driver": "nosuch"})
    assert r.status_code == 500
    root = xml(r)
    assert root.tag == "error" and root.get("status") == "500"
    assert root.find("backend").get("driver") == "nosuch"  # type: ignore[union-attr]
    assert "nosuch" in (root.findtext("message") or "")


def test_the_provider_matrix_parameter_is_echoed(anonymous: httpx.Client) -> None:
    assert xml(anonymous.get("/api;driver=mock;provider=test1")).get("provider") == "test1"
    assert xml(anonymous.get("/api;driver=mock;provider=test2")).get("provider") == "test2"


def test_force_auth_makes_the_entry_point_check_credentials(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api", params={"force_auth": "1"}).status_code == 401
    assert anonymous.get("/api", params={"force_auth": "1"}, auth=DEMO).status_code == 200


def test_drivers_in_json_are_keyed_by_id(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api/drivers", params={"format": "json"}).json() == {"mock": {"name": "Mock"}}
    body = anonymous.get("/api/drivers/mock", params={"format": "json"}).json()
    assert body == {"driver": {"name": "Mock", "id": "mock"}}
    assert anonymous.get("/api/drivers/ec2").status_code == 404


def test_api_requests_never_reach_v1_s_json_errors(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api/nothing-here")
    assert r.status_code == 404
    assert xml(r).tag == "error"


def test_paths_that_only_start_like_api_stay_with_v1(anonymous: httpx.Client) -> None:
    r = anonymous.get("/apiary")
    assert r.status_code in (401, 404)
    assert r.headers["content-type"].startswith("application/json")


def test_v1_keeps_its_json_answers_next_to_api(api: httpx.Client) -> None:
    r = api.get("/v1/realms")
    assert r.status_code == 200 and "realms" in r.json()
