"""A libvirtd that dies or hangs under load holds only its own calls; the same server recovers.

The backend is the real libvirt driver on a libvirtd of the test's own (libvirt's test driver on
a private socket, see ``hearth.testing.libvirtd``), killed (SIGKILL) or frozen (SIGSTOP) while a
few clients keep calling, then brought back. Only facts are asserted, never timings: which
statuses, which error shape, which answers came before which (``bench/faults.py`` measures).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import httpx
import pytest

from hearth.drivers.libvirt import open_driver
from hearth.drivers.libvirt.connection import LINK_CALLS
from hearth.testing.libvirtd import PrivateLibvirtd, private_libvirtd

from .conftest import ADMIN, DEMO, Running, assert_error, serve_driver

STORE_ROUTES = ("/v1/templates", "/v1/keys", "/v1/tasks")
HOST_ROUTES = ("/v1/instances", "/v1/realms", "/v1/pools")


@pytest.fixture
def outage(tmp_path: Path) -> Iterator[tuple[Running, PrivateLibvirtd]]:
    """A real server on the libvirt driver over a private libvirtd with a run-unique prefix."""
    prefix = f"hbo{secrets.token_hex(3)}"
    options = {"name_prefix": prefix, "pool": f"{prefix}-pool", "pool_path": str(tmp_path / "pool")}
    with private_libvirtd() as daemon:
        factory = lambda e: open_driver(uris=[daemon.uri], state_dir=tmp_path, engine=e, options=options)  # noqa: E731
        with serve_driver(tmp_path, factory, "libvirt") as running:
            yield running, daemon


def _all_answer(running: Running) -> None:
    with running.client(ADMIN) as admin:
        for route in STORE_ROUTES + HOST_ROUTES:
            r = admin.get(route)
            assert r.status_code == 200, (route, r.text)


def _load(running: Running, stop: threading.Event, seen: list[tuple[str, str, httpx.Response]]) -> None:
    """One client cycling over every route as the admin and as a tenant, until ``stop``."""
    with running.client(ADMIN) as admin, running.client(DEMO) as demo:
        while not stop.is_set():
            for who, client in (("admin", admin), ("demo", demo)):
                for route in STORE_ROUTES + HOST_ROUTES:
                    seen.append((who, route, client.get(route)))


def _get(running: Running, route: str) -> httpx.Response:
    with running.client(ADMIN) as admin:
        return admin.get(route)


def test_a_dead_libvirtd_fails_only_host_routes_in_the_error_shape_and_the_same_server_recovers(
    outage: tuple[Running, PrivateLibvirtd],
) -> None:
    running, daemon = outage
    _all_answer(running)

    daemon.kill()
    stop = threading.Event()
    seen: list[tuple[str, str, httpx.Response]] = []
    with ThreadPoolExecutor(4) as clients:
        loads = [clients.submit(_load, running, stop, seen) for _ in range(4)]
        while len(seen) < 200 and not any(f.done() for f in loads):
            time.sleep(0.05)
        stop.set()
        for f in loads:
            f.result()

    host_errors = 0
    for who, route, r in seen:
        if route in STORE_ROUTES:
            assert r.status_code == 200, (who, route, r.text)
        elif route == "/v1/realms":
            assert r.status_code == 200, r.text
            assert {x["id"]: x["state"] for x in r.json()["realms"]} == {"local": "UNAVAILABLE"}
        else:
            assert r.status_code in (502, 504), (who, route, r.text)
            body = assert_error(
                r, r.status_code, "BackendError" if r.status_code == 502 else "BackendTimeout"
            )
            assert int(r.headers["Retry-After"]) > 0
            assert "realm local" in body["message"]
            if who == "admin":
                assert daemon.uri in body["message"]
            else:  # a tenant learns which realm is down, not where its socket is
                assert str(daemon.socket) not in r.text and "test+unix" not in r.text
            host_errors += 1
    assert host_errors > 0 and {who for who, _, _ in seen} == {"admin", "demo"}

    daemon.start()  # the same server, not restarted, answers again once the host is back
    deadline = time.monotonic() + 60
    while True:
        with running.client(ADMIN) as admin:
            answers = {route: admin.get(route) for route in HOST_ROUTES}
        if all(r.status_code == 200 for r in answers.values()):
            break
        assert time.monotonic() < deadline, {k: v.text for k, v in answers.items()}
        time.sleep(0.2)
    assert {x["id"]: x["state"] for x in answers["/v1/realms"].json()["realms"]} == {"local": "AVAILABLE"}
    _all_answer(running)


def _first_answers(futures: list[Future[httpx.Response]], n: int) -> tuple[set[Future[httpx.Response]], ...]:
    """The first ``n`` of ``futures`` to be answered, and the others; fails if answers stop coming."""
    done: set[Future[httpx.Response]] = set()
    pending = set(futures)
    while len(done) < n:
        more, pending = wait(pending, timeout=60, return_when="FIRST_COMPLETED")
        assert more, f"only {len(done)} of {len(futures)} requests answered while the host hangs"
        done |= more
    return done, pending


def test_a_hung_libvirtd_holds_only_its_own_calls(outage: tuple[Running, PrivateLibvirtd]) -> None:
    """With the daemon frozen, calls beyond the host's share are refused (504) instead of queueing
    (behind its call slots, or behind the one request checking its storage pool), store-only
    routes answer while the host's calls still wait, and those complete once the host answers."""
    running, daemon = outage
    _all_answer(running)

    daemon.freeze()
    with ThreadPoolExecutor(3 * LINK_CALLS) as clients, running.client(ADMIN) as admin:
        try:
            # One request checks the pool (and waits on the host); the others are told 504.
            pools = [clients.submit(_get, running, "/v1/pools") for _ in range(LINK_CALLS)]
            refused, pending = _first_answers(pools, LINK_CALLS - 1)
            # The rest of the host's share of calls is taken; the extra ones are told 504.
            instances = [clients.submit(_get, running, "/v1/instances") for _ in range(2 * LINK_CALLS)]
            more, waiting = _first_answers(instances, LINK_CALLS + 1)
            refused |= more
            pending |= waiting
            for f in refused:
                body = assert_error(f.result(), 504, "BackendTimeout")
                assert "realm local" in body["message"] and int(f.result().headers["Retry-After"]) > 0
            assert len(pending) == LINK_CALLS  # these are the ones waiting on the frozen host

            for route in ("/v1/keys", "/v1/tasks"):
                assert admin.get(route).status_code == 200, route
            assert all(not f.done() for f in pending)  # store routes answered while the host had not
        finally:
            daemon.thaw()  # before the executor waits for its calls
        for f in pending:
            assert f.result(timeout=60).status_code == 200
    _all_answer(running)
