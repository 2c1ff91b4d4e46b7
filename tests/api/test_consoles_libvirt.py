"""A real tiny guest's serial console and screen through the /v1 WebSockets on the libvirt driver
(qemu:///system, TCG): ``virDomainOpenConsole`` and ``virDomainOpenGraphicsFD``."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from hearth.domain import Domain
from hearth.testing.guest import MARKER
from tests.cli._terminal import Terminal
from tests.drivers.contract.libvirt_cases import guest_files

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
from ._libvirt import BOOT_TIMEOUT, URI, serve_libvirt
from ._live import boot_tiny_guest, wait_state
from .conftest import ADMIN, OTHER, Running, assert_error

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    with serve_libvirt(guest_files(), "consoles") as (running, _):
        yield running


@pytest.fixture(scope="module")
def admin(server: Running) -> Iterator[httpx.Client]:
    with server.client(ADMIN) as c:
        c.timeout = httpx.Timeout(120.0)
        yield c


@pytest.fixture(scope="module")
def guest(server: Running, admin: httpx.Client) -> str:
    """A running test guest of the admin's with a VNC screen (libvirt listens on a socket)."""
    files = guest_files()
    boot = [str(files.kernel), str(files.initrd), files.append("wait")]
    iid = boot_tiny_guest(admin, "console-lv", boot, BOOT_TIMEOUT, graphics="vnc")
    assert admin.get(f"/v1/instances/{iid}").json()["consoles"] == {"serial": True, "graphics": "vnc"}
    return iid


def test_vnc_listens_on_a_unix_socket_never_on_the_network(guest: str) -> None:
    xml = subprocess.run(
        ["virsh", "-c", URI, "dumpxml", guest], capture_output=True, text=True, check=True
    ).stdout
    (graphics,) = Domain.from_xml(xml).devices.graphics
    assert graphics.type == "vnc" and graphics.listen_type == "socket" and graphics.listen_socket
    assert graphics.port in (None, -1) and graphics.listen_address is None


def test_the_serial_websocket_shows_the_boot_and_the_guests_shell_answers(
    server: Running, admin: httpx.Client, guest: str
) -> None:
    with open_console(server, ticket(admin, guest)["url"]) as ws:
        read_until(ws, MARKER.encode(), timeout=BOOT_TIMEOUT)
        ws.send(SHELL_COMMAND)
        read_until(ws, SHELL_ANSWER, timeout=60)


def test_the_vnc_websocket_answers_the_rfb_handshake_to_server_init(
    server: Running, admin: httpx.Client, guest: str
) -> None:
    with open_console(server, ticket(admin, guest, "vnc")["url"], subprotocols=["binary"]) as ws:
        assert ws.subprotocol == "binary"
        version, width, height = rfb_handshake(ws)
    assert version.startswith(b"RFB 003.00") and width > 0 and height > 0


def test_tickets_are_one_time_and_the_callers_own(server: Running, admin: httpx.Client, guest: str) -> None:
    url = ticket(admin, guest)["url"]
    basic = "Basic " + base64.b64encode(":".join(OTHER).encode()).decode()
    assert refused_status(server, url, headers={"Authorization": basic}) == 403
    assert refused_status(server, url) == 403
    with server.client(OTHER) as other:
        assert_error(other.post(f"/v1/instances/{guest}/console/ticket"), 404, "NotFound")
        assert_error(other.post(f"/v1/instances/{guest}/vnc/ticket"), 404, "NotFound")


def test_hearth_console_attaches_a_terminal_to_the_guest_and_ctrl_bracket_leaves(
    server: Running, guest: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env = {**clean, "HEARTH_URL": server.url, "HEARTH_USER": ADMIN[0], "HEARTH_PASSWORD": ADMIN[1]}
    term = Terminal(env, "console", "console-lv-vm")
    try:
        term.expect(MARKER.encode(), timeout=BOOT_TIMEOUT)
        term.send(SHELL_COMMAND)
        term.expect(SHELL_ANSWER)
        term.send(b"\x1d")
        assert term.wait() == 0, term.seen[-500:]
    finally:
        term.kill()


def test_stopping_the_guest_closes_its_console_with_1000(
    server: Running, admin: httpx.Client, guest: str
) -> None:
    with open_console(server, ticket(admin, guest)["url"]) as ws:
        read_until(ws, MARKER.encode(), timeout=BOOT_TIMEOUT)
        assert admin.post(f"/v1/instances/{guest}/stop", json={"force": True}).status_code == 202
        assert closed_code(ws, timeout=BOOT_TIMEOUT) == 1000
    wait_state(admin, guest, "STOPPED", timeout=BOOT_TIMEOUT)
    assert_error(admin.post(f"/v1/instances/{guest}/console/ticket"), 409, "InvalidState")
    assert admin.delete(f"/v1/instances/{guest}").status_code == 204
