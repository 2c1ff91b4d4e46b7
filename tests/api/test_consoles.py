"""Console tickets and the console WebSockets on the mock (its serial simulation), over real HTTP."""

from __future__ import annotations

import base64

import httpx
import pytest

from hearth.drivers import Operation
from hearth.drivers.ec2 import Ec2Driver
from hearth.drivers.mock import MockDriver
from hearth.service import consoles as consoles_module
from hearth.service.consoles import TICKET_SECONDS, Consoles

from ._consoles import closed_code, open_console, read_until, refused_status, ticket
from .conftest import OTHER, Running, assert_error, new_instance, wait_state


def test_an_instance_tells_its_consoles_a_running_mock_has_a_serial_console_and_no_screen(
    demo: httpx.Client,
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    assert inst["consoles"] == {"serial": True, "graphics": None}
    listed = demo.get("/v1/instances", params={"name": inst["name"]}).json()["instances"]
    assert [i["consoles"] for i in listed] == [{"serial": True, "graphics": None}]
    assert demo.post(f"/v1/instances/{inst['id']}/stop").status_code == 202
    assert wait_state(demo, inst["id"], "STOPPED")["consoles"] == {"serial": False, "graphics": None}


def test_the_mock_console_sends_its_log_then_echoes_what_is_typed(
    server: Running, demo: httpx.Client
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    with open_console(server, ticket(demo, inst["id"])["url"]) as ws:
        seen = read_until(ws, b"login: ")
        assert b"Linux version" in seen and b"\r\n" in seen
        ws.send(b"hello\r")
        assert read_until(ws, b"hello\r\n", timeout=10)
        ws.send("text frames too\r")  # a text frame is taken as its UTF-8 bytes
        assert read_until(ws, b"text frames too\r\n", timeout=10)


def test_a_ticket_opens_one_console_once(server: Running, demo: httpx.Client) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    url = ticket(demo, inst["id"])["url"]
    with open_console(server, url) as ws:
        read_until(ws, b"login: ")
    assert refused_status(server, url) == 403
    assert refused_status(server, f"/v1/instances/{inst['id']}/console") == 403
    assert refused_status(server, f"/v1/instances/{inst['id']}/console?ticket=made-up") == 403


def test_a_ticket_for_one_console_does_not_open_another(server: Running, demo: httpx.Client) -> None:
    first = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    second = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    secret = ticket(demo, first["id"])["ticket"]
    assert refused_status(server, f"/v1/instances/{second['id']}/console?ticket={secret}") == 403
    secret = ticket(demo, first["id"])["ticket"]
    assert refused_status(server, f"/v1/instances/{first['id']}/vnc?ticket={secret}") == 403


def test_another_users_credentials_cannot_use_a_ticket_and_cannot_get_one(
    server: Running, demo: httpx.Client, other: httpx.Client
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    url = ticket(demo, inst["id"])["url"]
    basic = "Basic " + base64.b64encode(":".join(OTHER).encode()).decode()
    assert refused_status(server, url, headers={"Authorization": basic}) == 403
    assert_error(other.post(f"/v1/instances/{inst['id']}/console/ticket"), 404, "NotFound")
    assert_error(httpx.post(f"{server.url}/v1/instances/{inst['id']}/console/ticket"), 401, "AuthFailure")


def test_an_expired_ticket_is_refused(server: Running, demo: httpx.Client) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    svc = server.service
    now = [1000.0]
    kept, svc.consoles = svc.consoles, Consoles(svc.driver, svc.gate, clock=lambda: now[0])
    try:
        url = ticket(demo, inst["id"])["url"]
        now[0] += TICKET_SECONDS + 1
        assert refused_status(server, url) == 403
        url = ticket(demo, inst["id"])["url"]
        now[0] += TICKET_SECONDS - 1
        with open_console(server, url) as ws:
            read_until(ws, b"login: ")
    finally:
        svc.consoles = kept


def test_a_stopped_instance_has_no_console_and_the_mock_no_screen(demo: httpx.Client) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    body = assert_error(demo.post(f"/v1/instances/{inst['id']}/vnc/ticket"), 501, "NotSupported")
    assert "graphics_console" in body["message"]
    assert demo.post(f"/v1/instances/{inst['id']}/stop").status_code == 202
    wait_state(demo, inst["id"], "STOPPED")
    body = assert_error(demo.post(f"/v1/instances/{inst['id']}/console/ticket"), 409, "InvalidState")
    assert "STOPPED" in body["message"]


def test_closing_the_websocket_leaves_the_instance_running_and_a_new_ticket_reopens_it(
    server: Running, demo: httpx.Client
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    for _ in range(2):
        with open_console(server, ticket(demo, inst["id"])["url"]) as ws:
            read_until(ws, b"login: ")
    assert demo.get(f"/v1/instances/{inst['id']}").json()["state"] == "RUNNING"


def test_the_binary_subprotocol_is_selected_and_a_client_close_is_answered_with_1000(
    server: Running, demo: httpx.Client
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    with open_console(server, ticket(demo, inst["id"])["url"], subprotocols=["binary"]) as ws:
        assert ws.subprotocol == "binary"
        read_until(ws, b"login: ")
        ws.close()
        assert closed_code(ws) == 1000


def test_tickets_outstanding_at_once_are_bounded(
    server: Running, demo: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    svc = server.service
    kept, svc.consoles = svc.consoles, Consoles(svc.driver, svc.gate)
    monkeypatch.setattr(consoles_module, "MAX_TICKETS", 2)
    try:
        ticket(demo, inst["id"])
        ticket(demo, inst["id"])
        body = assert_error(demo.post(f"/v1/instances/{inst['id']}/console/ticket"), 429, "LimitExceeded")
        assert "2 console tickets" in body["message"]
    finally:
        svc.consoles = kept


def test_the_ec2_driver_has_no_consoles_and_says_so_in_its_capabilities() -> None:
    ops = Ec2Driver.capabilities().operations
    assert Operation.instances_serial_console not in ops and Operation.instances_graphics_console not in ops
    assert Operation.instances_serial_console in MockDriver.capabilities().operations


def test_stopping_a_mock_instance_closes_its_console_with_1000(server: Running, demo: httpx.Client) -> None:
    inst = wait_state(demo, new_instance(demo)["id"], "RUNNING")
    with open_console(server, ticket(demo, inst["id"])["url"]) as ws:
        read_until(ws, b"login: ")
        assert demo.post(f"/v1/instances/{inst['id']}/stop").status_code == 202
        assert closed_code(ws, timeout=30) == 1000
