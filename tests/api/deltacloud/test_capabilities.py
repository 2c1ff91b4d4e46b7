"""Deltacloud's capability rule over a backend whose instances and keys can only be read: every
operation it lacks answers 412 with ``Expect`` naming the capability, in XML and JSON, before
credentials or parameters are looked at — never the service's 501."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hearth.drivers import Collection

from ..conftest import DEMO, FAST, Running, serve_driver
from .conftest import xml
from .readonly import read_only_mock

MESSAGE = "The required capability to execute this operation is missing"


# The mock whose instances and keys are listed and shown, and nothing more (every feature is
# one of instance create's).
ReadOnlyCompute = read_only_mock("readcompute", Collection.instances, Collection.keys, features=frozenset())


def _client(running: Running, auth: tuple[str, str] | None) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, auth=auth, timeout=30, headers={"accept": ""}) as c:
        yield c


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("dc-caps"), lambda e: ReadOnlyCompute(e, timing=FAST)) as r:
        yield r


@pytest.fixture
def readonly(running: Running) -> Iterator[httpx.Client]:
    yield from _client(running, DEMO)


@pytest.mark.parametrize(
    ("method", "path", "data", "capability"),
    [
        ("POST", "/api/instances", {"image_id": "debian-12"}, "create_instance"),
        ("POST", "/api/instances/i/reboot", {}, "reboot_instance"),
        ("POST", "/api/instances/i/stop", {}, "stop_instance"),
        ("DELETE", "/api/instances/i", {}, "destroy_instance"),
        ("POST", "/api/keys", {"name": "k"}, "create_key"),
        ("POST", "/api/keys", {"name": "k", "public_key": "ssh-ed25519 AAAA k"}, "create_key"),
        ("DELETE", "/api/keys/k", {}, "destroy_key"),
        ("GET", "/api/metrics", {}, "metrics"),
        ("GET", "/api/metrics/i", {}, "metric"),
    ],
)
def test_an_operation_the_backend_lacks_is_412_expecting_its_capability(
    readonly: httpx.Client, method: str, path: str, data: dict[str, str], capability: str
) -> None:
    r = readonly.request(method, path, data=data or None)
    assert (r.status_code, r.headers.get("expect")) == (412, capability), r.text
    doc = xml(r)
    assert doc.findtext("code") == "412" and doc.findtext("message") == MESSAGE
    r = readonly.request(method, path, data=data or None, params={"format": "json"})
    assert r.status_code == 412
    assert r.json() == {"code": 412, "message": MESSAGE, "error": "Deltacloud::Exceptions::NotSupported"}


def test_the_capability_is_checked_before_the_credentials(running: Running) -> None:
    for anonymous in _client(running, None):
        r = anonymous.post("/api/keys", data={"name": "k"})
        assert (r.status_code, r.headers.get("expect")) == (412, "create_key")


def test_what_the_backend_serves_still_answers(readonly: httpx.Client) -> None:
    assert readonly.get("/api/instances").status_code == 200
    assert readonly.get("/api/keys").status_code == 200
    r = readonly.get("/api/instances/no-such")
    assert r.status_code == 404
