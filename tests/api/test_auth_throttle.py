"""Failed logins are capped per user name and per client address: past the cap, 429 + Retry-After.

Real servers on loopback with small caps; eight threads guess in parallel, as the fault run did.
Every client here comes from 127.0.0.1, so the per-address cap is shown with many user names.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from hearth.drivers.mock import MockDriver
from hearth.service import Service
from hearth.service.throttle import ThrottleLimits

from .conftest import DEMO, FAST, OTHER, Running, assert_error, serve, store

ATTEMPTS = 40


def _server(tmp: Path, limits: ThrottleLimits) -> Iterator[Running]:
    engine = store(tmp)
    with serve(Service(MockDriver(engine, timing=FAST), engine, auth_throttle=limits)) as running:
        yield running


@pytest.fixture
def per_user(tmp_path: Path) -> Iterator[Running]:
    yield from _server(tmp_path, ThrottleLimits(per_user=3, per_address=10_000, window=3600))


@pytest.fixture
def per_address(tmp_path: Path) -> Iterator[Running]:
    yield from _server(tmp_path, ThrottleLimits(per_user=10_000, per_address=5, window=3600))


def _guess(url: str, name: str) -> httpx.Response:
    return httpx.get(f"{url}/v1/instances", auth=(name, secrets.token_hex(8)), timeout=60)


def test_parallel_password_guesses_for_one_user_are_capped(per_user: Running) -> None:
    with per_user.client(DEMO) as early:
        assert early.get("/v1/instances").status_code == 200  # logged in before the attack
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _guess(per_user.url, "demo"), range(ATTEMPTS)))
        statuses = Counter(r.status_code for r in answers)
        assert statuses == {401: 3, 429: ATTEMPTS - 3}, statuses
        refused = next(r for r in answers if r.status_code == 429)
        body = assert_error(refused, 429, "LimitExceeded")
        assert 0 < int(refused.headers["retry-after"]) <= 3600
        assert body["details"]["retry_after"] == int(refused.headers["retry-after"])
        # A session verified before the attack keeps working (its verdict is cached)...
        assert early.get("/v1/instances").status_code == 200
        # ...but the right password is not even checked for a new login, so guessing gains nothing.
        per_user.service.auth.forget("demo")  # a new login, not the cached session below
        assert_error(httpx.get(f"{per_user.url}/v1/keys", auth=DEMO, timeout=60), 429, "LimitExceeded")
        # Other users are untouched.
        with per_user.client(OTHER) as other:
            assert other.get("/v1/instances").status_code == 200


def test_guesses_from_one_address_are_capped_across_user_names(per_address: Running) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: _guess(per_address.url, f"user{i}"), range(ATTEMPTS)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: 5, 429: ATTEMPTS - 5}, statuses
    refused = next(r for r in answers if r.status_code == 429)
    assert int(refused.headers["retry-after"]) > 0
    # The address is blocked for everyone whose credentials are not already verified.
    assert_error(httpx.get(f"{per_address.url}/v1/keys", auth=DEMO, timeout=60), 429, "LimitExceeded")


def test_successful_logins_do_not_count_against_the_cap(per_user: Running) -> None:
    for _ in range(10):  # each a fresh client, so each is a real password check
        assert httpx.get(f"{per_user.url}/v1/instances", auth=DEMO, timeout=60).status_code == 200
        per_user.service.auth.forget()
    statuses = Counter(_guess(per_user.url, "demo").status_code for _ in range(5))
    assert statuses == {401: 3, 429: 2}, statuses
