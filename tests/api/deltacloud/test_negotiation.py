"""Content negotiation, authentication, errors, HEAD and OPTIONS on /api."""

from __future__ import annotations

import httpx
import pytest

from .conftest import xml


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("", "application/xml"),
        ("application/xml", "application/xml"),
        ("application/json", "application/json"),
        ("text/html", "text/html"),
        ("*/*", "text/html"),
        ("application/json;q=0.5, application/xml", "application/xml"),
    ],
)
def test_the_accept_header_picks_the_format(api: httpx.Client, accept: str, content_type: str) -> None:
    r = api.get("/api/realms", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type


@pytest.mark.parametrize("fmt", ["xml", "json", "html"])
def test_the_format_parameter_overrides_the_accept_header(api: httpx.Client, fmt: str) -> None:
    r = api.get("/api/realms", params={"format": fmt}, headers={"accept": "image/png"})
    assert (
        r.headers["content-type"]
        == {"xml": "application/xml", "json": "application/json", "html": "text/html"}[fmt]
    )


def test_an_unmatched_accept_header_is_406(api: httpx.Client) -> None:
    assert api.get("/api/realms", headers={"accept": "image/png"}).status_code == 406


def test_the_html_page_links_to_every_member(api: httpx.Client) -> None:
    page = api.get("/api/realms", params={"format": "html"}).text
    assert "<html>" in page and "/api/realms/local" in page


def test_a_collection_without_credentials_is_401_with_a_basic_challenge(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api/realms")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic realm=")
    assert xml(r).get("status") == "401"


def test_a_wrong_password_is_401(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api/images", auth=("demo", "wrong")).status_code == 401


@pytest.mark.parametrize("path", ["/api/hardware_profiles", "/api/instance_states", "/api/drivers"])
def test_the_public_collections_need_no_credentials(anonymous: httpx.Client, path: str) -> None:
    assert anonymous.get(path).status_code == 200


def test_an_unknown_member_is_a_404_error_document(api: httpx.Client) -> None:
    r = api.get("/api/realms/nope")
    assert r.status_code == 404
    root = xml(r)
    assert root.tag == "error" and root.get("status") == "404" and root.get("url") == "/api/realms/nope"
    backend = root.find("backend")
    assert backend is not None and backend.get("driver") == "mock" and backend.get("provider") == "default"
    assert root.findtext("code") == "404" and root.findtext("message")


def test_a_json_error_has_code_message_and_error(api: httpx.Client) -> None:
    r = api.get("/api/realms/nope", params={"format": "json"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"code", "message", "error"} and body["code"] == 404


def test_head_answers_the_headers_of_get_without_a_body(api: httpx.Client) -> None:
    r = api.head("/api/realms")
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"] == "application/xml" and r.headers["etag"]


def test_options_lists_the_allowed_methods(api: httpx.Client) -> None:
    r = api.options("/api/instances")
    assert r.status_code == 200
    assert set(r.headers["allow"].split(",")) == {"OPTIONS", "GET", "HEAD", "POST"}


def test_a_method_a_path_does_not_answer_is_405_with_allow(api: httpx.Client) -> None:
    r = api.delete("/api/realms")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]


def test_a_get_naming_the_current_etag_is_304(api: httpx.Client) -> None:
    etag = api.get("/api/realms").headers["etag"]
    r = api.get("/api/realms", headers={"if-none-match": etag})
    assert r.status_code == 304 and r.content == b""
    assert api.get("/api/realms", headers={"if-none-match": '"something-else"'}).status_code == 200


def test_the_etag_follows_the_body(api: httpx.Client) -> None:
    assert api.get("/api/realms").headers["etag"] != api.get("/api/images").headers["etag"]
    assert api.get("/api/realms").headers["etag"] == api.get("/api/realms").headers["etag"]
