"""A real tiny guest's serial console and screen through the /v1 WebSockets on the qemu driver (TCG)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator

import pytest

from hearth.testing.guest import MARKER
from tests.cli._terminal import Terminal
from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._consoles import (
    SHELL_ANSWER,
    SHELL_COMMAND,
    closed_code,
    open_console,
    read_until,
    refused_status,
    rfb_handshake,
    ticket,
)
from ._qemu import qemu_serving
from .conftest import DEMO, OTHER, Running, assert_error, wait_state

BOOT = 180


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-consoles"), guest_files(request)) as running:
        yield running


@pytest.fixture(scope="module")
def guest(qemu_server: Running) -> str:
    """A running test guest of the demo user's (its shell up: the boot marker is in its log)."""
    with qemu_server.client(DEMO) as demo:
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small", "name": "con-q"})
        assert r.status_code == 201, r.text
        inst = wait_state(demo, r.json()["id"], "RUNNING", timeout=BOOT)
    assert inst["consoles"] == {"serial": True, "graphics": "vnc"}
    return str(inst["id"])


def test_the_serial_websocket_shows_the_boot_and_the_guests_shell_answers(
    qemu_server: Running, guest: str
) -> None:
    with qemu_server.client(DEMO) as demo, open_console(qemu_server, ticket(demo, guest)["url"]) as ws:
        read_until(ws, MARKER.encode(), timeout=BOOT)
        ws.send(SHELL_COMMAND)
        read_until(ws, SHELL_ANSWER, timeout=60)


def test_the_vnc_websocket_answers_the_rfb_handshake_to_server_init(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo:
        url = ticket(demo, guest, "vnc")["url"]
    with open_console(qemu_server, url, subprotocols=["binary"]) as ws:
        assert ws.subprotocol == "binary"
        version, width, height = rfb_handshake(ws)
    assert version.startswith(b"RFB 003.00") and width > 0 and height > 0


def test_tickets_are_one_time_and_the_callers_own(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo, qemu_server.client(OTHER) as other:
        url = ticket(demo, guest, "vnc")["url"]
        basic = "Basic " + base64.b64encode(":".join(OTHER).encode()).decode()
        assert refused_status(qemu_server, url, headers={"Authorization": basic}) == 403
        assert refused_status(qemu_server, url) == 403  # the refused try used it up
        assert_error(other.post(f"/v1/instances/{guest}/vnc/ticket"), 404, "NotFound")
        assert_error(other.post(f"/v1/instances/{guest}/console/ticket"), 404, "NotFound")


def test_hearth_console_attaches_a_terminal_to_the_guest_and_ctrl_bracket_leaves(
    qemu_server: Running, guest: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env = {**clean, "HEARTH_URL": qemu_server.url, "HEARTH_USER": DEMO[0], "HEARTH_PASSWORD": DEMO[1]}
    term = Terminal(env, "console", "con-q")
    try:
        term.expect(MARKER.encode(), timeout=BOOT)
        term.send(SHELL_COMMAND)
        term.expect(SHELL_ANSWER)
        term.send(b"\x1d")
        assert term.wait() == 0, term.seen[-500:]
    finally:
        term.kill()


def test_stopping_the_guest_closes_its_console_with_1000(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo:
        with open_console(qemu_server, ticket(demo, guest)["url"]) as ws:
            read_until(ws, MARKER.encode(), timeout=BOOT)
            assert demo.post(f"/v1/instances/{guest}/stop", json={"force": True}).status_code == 202
            assert closed_code(ws, timeout=BOOT) == 1000
        wait_state(demo, guest, "STOPPED", timeout=BOOT)
        assert_error(demo.post(f"/v1/instances/{guest}/console/ticket"), 409, "InvalidState")
        assert demo.get(f"/v1/instances/{guest}").json()["consoles"] == {"serial": False, "graphics": "vnc"}
        assert demo.delete(f"/v1/instances/{guest}").status_code == 204
