"""A real Hearth server on loopback for the API tests: uvicorn in a thread, httpx clients.

Each server gets its own state directory (SQLite store) and a port the kernel picks. The Service
is built in-process, so a test can reach below HTTP when it must (a driver with fewer operations,
a gate a task waits on), but every assertion about the API goes through real HTTP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from hearth.api.gate import BodyLimits
from hearth.drivers import Driver
from hearth.drivers.mock import MockDriver, MockTiming, seed
from hearth.drivers.schema import upgrade
from hearth.service import Service
from hearth.store import default_url, make_engine
from hearth.store.demo import ADMIN_USER, DEMO_USER
from hearth.store.users import create_user, seed_demo_users
from hearth.ui import create_app

# Short simulated boot and shutdown: transitional states are still seen, briefly.
FAST = MockTiming(boot_seconds=0.05, shutdown_seconds=0.05)
DEMO = (DEMO_USER.name, DEMO_USER.password)
ADMIN = (ADMIN_USER.name, ADMIN_USER.password)
OTHER = ("other", "other-password")


@dataclass
class Running:
    url: str
    service: Service

    def client(self, auth: tuple[str, str] | None = DEMO) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=auth, timeout=30)


def store(tmp: Path, backend: str = "mock") -> Engine:
    """A store migrated for ``backend`` with the demo users and one more plain user (and for the
    mock, its seeded catalogue)."""
    engine = make_engine(default_url(tmp))
    upgrade(engine, backend)
    if backend == "mock":
        seed(engine)
    else:
        seed_demo_users(engine)
    create_user(engine, *OTHER)
    return engine


@contextmanager
def serve(service: Service, limits: BodyLimits | None = None) -> Iterator[Running]:
    """Serve ``service`` on 127.0.0.1:<free port> until the block ends; closes the service."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(service, limits),
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield Running(url=f"http://127.0.0.1:{port}", service=service)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()
        service.close()


DriverFactory = Callable[[Engine], Driver]


@contextmanager
def serve_driver(
    tmp: Path, factory: DriverFactory = lambda e: MockDriver(e, timing=FAST), backend: str = "mock"
) -> Iterator[Running]:
    """Serve the driver ``factory`` makes over a new store for ``backend`` (the one it serves)."""
    engine = store(tmp, backend)
    with serve(Service(factory(engine), engine)) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The mock driver behind a real server, shared by a module's tests."""
    with serve_driver(tmp_path_factory.mktemp("api")) as running:
        yield running


@pytest.fixture
def demo(server: Running) -> Iterator[httpx.Client]:
    with server.client(DEMO) as c:
        yield c


@pytest.fixture
def admin(server: Running) -> Iterator[httpx.Client]:
    with server.client(ADMIN) as c:
        yield c


@pytest.fixture
def other(server: Running) -> Iterator[httpx.Client]:
    with server.client(OTHER) as c:
        yield c


def assert_error(response: httpx.Response, status: int, name: str) -> dict[str, Any]:
    """The one error shape: code, error, message, details — and nothing that looks like a traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "error", "message", "details"}, body
    assert body["code"] == status and body["error"] == name, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["details"], dict)
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


def new_instance(client: httpx.Client, **fields: object) -> dict[str, Any]:
    body = {"image_id": "debian-12", "hwp_id": "small", **fields}
    return created(client, client.post("/v1/instances", json=body))


def created(client: httpx.Client, response: httpx.Response, timeout: float = 20) -> dict[str, Any]:
    """The instance a ``POST /v1/instances`` made: answered 202 with its task and a Location of
    the instance to be, then the task's result (the instance as made) once it succeeded."""
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert location.startswith("/v1/instances/"), location
    task = wait_task(client, f"/v1/tasks/{response.json()['id']}", timeout)
    assert task["status"] == "succeeded", task
    assert task["kind"] == "instances.create" and task["result"]["id"] == location.rsplit("/", 1)[1]
    return dict(task["result"])


def wait_state(client: httpx.Client, instance_id: object, state: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = dict(client.get(f"/v1/instances/{instance_id}").json())
        if body["state"] == state:
            return body
        assert time.monotonic() < deadline, f"instance still {body['state']}, wanted {state}"
        time.sleep(0.02)


def wait_task(client: httpx.Client, location: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = dict(client.get(location).json())
        if body["status"] in ("succeeded", "failed"):
            return body
        assert time.monotonic() < deadline, f"task still {body['status']}"
        time.sleep(0.02)
