"""HTTP Basic against the store's users; ownership as the API shows it (404, never 403)."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from hearth.store.users import create_user

from .conftest import ADMIN, DEMO, OTHER, Running, assert_error, new_instance


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"demo:wrong-password").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"nobody:demo-password").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
    ],
    ids=[
        "missing",
        "bearer",
        "empty",
        "bad-base64",
        "no-colon",
        "wrong-password",
        "unknown-user",
        "not-utf8",
    ],
)
def test_bad_or_missing_credentials_get_401_with_a_basic_challenge(
    server: Running, headers: dict[str, str]
) -> None:
    with server.client(auth=None) as c:
        r = c.get("/v1/instances", headers=headers)
    body = assert_error(r, 401, "AuthFailure")
    assert r.headers["www-authenticate"] == 'Basic realm="hearth"'
    assert "demo-password" not in r.text and "wrong-password" not in r.text
    assert body["details"] == {}


def test_every_v1_route_needs_credentials(server: Running) -> None:
    spec = httpx.get(f"{server.url}/v1/openapi.json", timeout=60).json()
    assert spec["components"]["securitySchemes"]["basic"] == {"type": "http", "scheme": "basic"}
    with server.client(auth=None) as c:
        for path, methods in spec["paths"].items():
            url = re.sub(r"\{[a-z_]+\}", "x", path.replace("{mac}", "52:54:00:00:00:01"))
            for method in methods:
                r = c.request(method.upper(), url)
                assert r.status_code == 401, (method, path, r.status_code)


def test_the_openapi_document_is_public(server: Running) -> None:
    r = httpx.get(f"{server.url}/v1/openapi.json", timeout=60)
    assert r.status_code == 200 and r.json()["info"]["title"] == "Hearth"


def test_a_user_sees_only_their_own_resources(server: Running) -> None:
    with server.client(DEMO) as demo, server.client(OTHER) as other, server.client(ADMIN) as admin:
        mine = new_instance(demo, name="mine")
        theirs = new_instance(other, name="theirs")
        # Another tenant's instance does not exist as far as the caller can tell.
        assert_error(other.get(f"/v1/instances/{mine['id']}"), 404, "NotFound")
        assert_error(other.post(f"/v1/instances/{mine['id']}/reboot"), 404, "NotFound")
        assert_error(other.delete(f"/v1/instances/{mine['id']}"), 404, "NotFound")
        demo_ids = {i["id"] for i in demo.get("/v1/instances", params={"limit": 1000}).json()["instances"]}
        assert mine["id"] in demo_ids and theirs["id"] not in demo_ids
        # Shared catalogue entries are visible to everyone.
        assert other.get("/v1/images/debian-12").status_code == 200
        # Admins see everything and can filter by owner.
        all_ids = {i["id"] for i in admin.get("/v1/instances", params={"limit": 1000}).json()["instances"]}
        assert {mine["id"], theirs["id"]} <= all_ids
        owned = admin.get("/v1/instances", params={"owner": str(theirs["owner_id"]), "limit": 1000}).json()
        owned_ids = {i["id"] for i in owned["instances"]}
        assert theirs["id"] in owned_ids and mine["id"] not in owned_ids
        assert all(i["owner_id"] == theirs["owner_id"] for i in owned["instances"])
        assert admin.get(f"/v1/instances/{mine['id']}").status_code == 200


def test_a_non_admin_cannot_delete_the_shared_catalogue(demo: httpx.Client) -> None:
    assert_error(demo.delete("/v1/images/fedora-40"), 403, "Forbidden")


def test_a_user_added_while_the_server_runs_can_log_in(server: Running) -> None:
    with server.client(("late", "late-password")) as late:
        assert_error(late.get("/v1/instances"), 401, "AuthFailure")
        create_user(server.service.engine, "late", "late-password")
        r = late.get("/v1/instances")
    assert r.status_code == 200 and r.json() == {"instances": [], "next": None}


def test_a_cached_login_does_not_accept_another_password(server: Running) -> None:
    with server.client(DEMO) as c:
        assert c.get("/v1").status_code == 200  # now cached
    with server.client((DEMO[0], DEMO[1] + "x")) as c:
        assert_error(c.get("/v1"), 401, "AuthFailure")
