"""Idempotency-Key on creates: a retry gets the first answer, a reused key with another body 422.

Real servers on loopback over SQLite stores; the service-level ``Idempotency`` (which the EC2
frontend's ClientToken will use) is exercised on a real store too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hearth.drivers import Caller
from hearth.drivers.mock import MockDriver
from hearth.errors import Conflict, IdempotencyMismatch
from hearth.service import Service
from hearth.service.idempotency import Answer, Idempotency, fingerprint

from .conftest import DEMO, FAST, OTHER, Running, assert_error, serve, store


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def _count(client: httpx.Client, plural: str) -> int:
    return len(client.get(f"/v1/{plural}", params={"limit": 1000}).json()[plural])


def test_a_retried_create_answers_the_first_result_and_creates_nothing(demo: httpx.Client) -> None:
    key = _key()
    before = _count(demo, "volumes")
    first = demo.post("/v1/volumes", json={"capacity_gb": 2, "name": "idem"}, headers=key)
    assert first.status_code == 201, first.text
    again = demo.post("/v1/volumes", content='{ "name": "idem",  "capacity_gb": 2 }', headers=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert _count(demo, "volumes") == before + 1


def test_the_same_key_with_another_body_is_422(demo: httpx.Client) -> None:
    key = _key()
    assert demo.post("/v1/keys", json={"name": f"k{uuid.uuid4().hex[:8]}"}, headers=key).status_code == 201
    body = assert_error(demo.post("/v1/keys", json={"name": "another"}, headers=key), 422, "ValidationError")
    assert "different request" in body["message"]


def test_keys_are_per_user(demo: httpx.Client, other: httpx.Client) -> None:
    key = _key()
    mine = demo.post("/v1/volumes", json={"capacity_gb": 1}, headers=key)
    theirs = other.post("/v1/volumes", json={"capacity_gb": 1}, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and "idempotent-replayed" not in theirs.headers


def test_a_create_answered_with_a_task_replays_the_same_task(demo: httpx.Client) -> None:
    key = _key()
    body = {"image_id": "debian-12", "hwp_id": "small"}
    first = demo.post("/v1/instances", params={"count": 2}, json=body, headers=key)
    assert first.status_code == 202, first.text
    again = demo.post("/v1/instances", params={"count": 2}, json=body, headers=key)
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    # The query is part of the request: another count is another request.
    assert_error(
        demo.post("/v1/instances", params={"count": 3}, json=body, headers=key), 422, "ValidationError"
    )


def test_a_failed_create_keeps_nothing_so_the_retry_runs_again(demo: httpx.Client) -> None:
    key = _key()
    missing = {"volume_id": str(uuid.uuid4())}
    assert_error(demo.post("/v1/snapshots", json=missing, headers=key), 404, "NotFound")
    again = demo.post("/v1/snapshots", json=missing, headers=key)
    assert again.status_code == 404 and "idempotent-replayed" not in again.headers


def test_the_answer_survives_a_server_restart(tmp_path: Path) -> None:
    engine = store(tmp_path)
    key = _key()
    net = {"name": "n1", "address_blocks": ["10.9.0.0/16"]}
    with (
        serve(Service(MockDriver(engine, timing=FAST), engine, owns_engine=False)) as one,
        one.client(DEMO) as c,
    ):
        before = _count(c, "networks")
        first = c.post("/v1/networks", json=net, headers=key)
        assert first.status_code == 201, first.text
    with serve(Service(MockDriver(engine, timing=FAST), engine)) as two, two.client(DEMO) as c:
        again = c.post("/v1/networks", json=net, headers=key)
        assert again.status_code == 201 and again.json() == first.json()
        assert _count(c, "networks") == before + 1


def test_the_header_is_documented_on_every_create(server: Running) -> None:
    spec = httpx.get(f"{server.url}/v1/openapi.json", timeout=60).json()
    for path in ("/v1/instances", "/v1/volumes", "/v1/snapshots", "/v1/keys", "/v1/images", "/v1/templates",
                 "/v1/networks", "/v1/subnets", "/v1/addresses"):  # fmt: skip
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
    assert OTHER  # the module's users are the conftest's


@pytest.fixture
def idem(tmp_path: Path) -> Idempotency:
    return Idempotency(store(tmp_path))


def test_the_service_function_runs_once_per_key_for_any_frontend(idem: Idempotency) -> None:
    who = Caller(user_id="u1", is_admin=False)
    calls: list[int] = []

    def produce() -> Answer:
        calls.append(1)
        return Answer(200, '{"instances": ["i-1"]}')

    fp = fingerprint("RunInstances", "ImageId=ami-1")
    assert idem.run(who, "ec2", "token-1", fp, produce) == idem.run(who, "ec2", "token-1", fp, produce)
    assert len(calls) == 1
    with pytest.raises(IdempotencyMismatch):
        idem.run(who, "ec2", "token-1", fingerprint("RunInstances", "ImageId=ami-2"), produce)
    # Another frontend's keys are another namespace.
    idem.run(who, "v1", "token-1", fp, produce)
    assert len(calls) == 2


def test_a_key_still_running_is_409_and_an_expired_one_runs_again(idem: Idempotency) -> None:
    who = Caller(user_id="u1", is_admin=False)
    assert idem.begin(who, "v1", "k", "fp") is None
    with pytest.raises(Conflict) as running:
        idem.begin(who, "v1", "k", "fp")
    assert running.value.details["retry_after"] == 1
    idem.finish(who, "v1", "k", Answer(201, "{}", "/v1/x/1"))
    assert idem.begin(who, "v1", "k", "fp") == Answer(201, "{}", "/v1/x/1")
    later = Idempotency(idem.engine, ttl=timedelta(seconds=-1))  # as if 24 h had passed
    assert later.begin(who, "v1", "k", "fp") is None
