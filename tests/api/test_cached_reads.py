"""The hot GET of one instance answers the same whether its caller is known or checked afresh.

The first request of a login runs the full password check; the next ones are answered from the
credential cache, and on the mock the read itself runs on the event loop. So each test asks twice
with the same client and compares, or checks that the second answer keeps the first one's
guarantees (auth before capability, ownership, an invalid driver answer never shown).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.drivers import Caller, Collection, Feature
from hearth.drivers.mock import MockDriver
from hearth.drivers.mock.instances import Instances
from hearth.drivers.parts import InstancesPart
from hearth.drivers.resources import Instance

from .conftest import DEMO, FAST, OTHER, Running, assert_error, new_instance, serve_driver, wait_state


def _twice(client: httpx.Client, path: str) -> tuple[httpx.Response, httpx.Response]:
    return client.get(path), client.get(path)


def test_a_cached_caller_gets_the_same_bytes(server: Running) -> None:
    with server.client(DEMO) as c:
        made = wait_state(c, new_instance(c)["id"], "RUNNING")
        server.service.auth.forget()  # the next GET authenticates afresh
        checked, cached = _twice(c, f"/v1/instances/{made['id']}")
        assert checked.status_code == cached.status_code == 200
        assert checked.content == cached.content
        assert checked.headers["content-type"] == cached.headers["content-type"] == "application/json"
        assert cached.json()["id"] == made["id"]


def test_a_cached_caller_keeps_errors_and_ownership(server: Running) -> None:
    with server.client(DEMO) as c, server.client(OTHER) as other:
        mine = new_instance(c)
        for r in _twice(other, f"/v1/instances/{mine['id']}"):
            assert_error(r, 404, "NotFound")
        for r in _twice(c, "/v1/instances/" + "x" * 256):
            body = assert_error(r, 422, "ValidationError")
            assert body["details"] == {"fields": ["path parameter instance_id"]}
        with server.client(("demo", "not-the-password")) as wrong:
            for r in _twice(wrong, f"/v1/instances/{mine['id']}"):
                assert_error(r, 401, "AuthFailure")


class NoGetInstances(Instances):
    get_instance = InstancesPart.get_instance


class NoGetDriver(MockDriver):
    """A real driver that cannot show one instance (the contract's 'not supported')."""

    name = "noget"
    parts = {**MockDriver.parts, Collection.instances: NoGetInstances}
    features = MockDriver.features - {Feature.chosen_id}  # naming a create's instance needs a GET


class InvalidGetInstances(Instances):
    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        return {"id": "leaked-driver-value"}  # type: ignore[return-value]


class InvalidGetDriver(MockDriver):
    """A driver whose GET answers an invalid instance: a bug the response model must catch."""

    name = "invalid"
    parts = {**MockDriver.parts, Collection.instances: InvalidGetInstances}


@pytest.fixture
def noget(tmp_path: Path) -> Iterator[Running]:
    with serve_driver(tmp_path, lambda e: NoGetDriver(e, timing=FAST)) as r:
        yield r


@pytest.fixture
def invalid(tmp_path: Path) -> Iterator[Running]:
    with serve_driver(tmp_path, lambda e: InvalidGetDriver(e, timing=FAST)) as r:
        yield r


def test_401_still_comes_before_501_for_a_cached_caller(noget: Running) -> None:
    with noget.client(DEMO) as c, noget.client(("demo", "wrong")) as wrong:
        for r in _twice(c, "/v1/instances/x"):
            err = assert_error(r, 501, "NotSupported")
            assert err["details"] == {"driver": "noget", "operation": "instances.get"}
        for r in _twice(wrong, "/v1/instances/x"):
            assert_error(r, 401, "AuthFailure")


def test_an_invalid_driver_answer_is_500_for_a_cached_caller(invalid: Running) -> None:
    with invalid.client(DEMO) as c:
        for r in _twice(c, "/v1/instances/anything"):
            body = assert_error(r, 500, "InternalError")
            ref = body["details"]["reference"]
            assert body["message"] == f"internal server error (reference {ref})"
            assert "leaked-driver-value" not in r.text
