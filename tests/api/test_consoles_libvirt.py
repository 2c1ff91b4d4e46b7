"""A real tiny guest's serial console and screen through the /v1 WebSockets on the libvirt driver
(qemu:///system, TCG): ``virDomainOpenConsole`` and ``virDomainOpenGraphicsFD``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from hearth.domain import Domain
from tests.drivers.contract.libvirt_cases import guest_files

from ._consoles import (
    check_serial_shell,
    check_stop_closes,
    check_terminal,
    check_tickets_are_the_owners,
    check_vnc,
)
from ._libvirt import BOOT_TIMEOUT, URI, serve_libvirt
from ._live import boot_tiny_guest
from .conftest import ADMIN, Running

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
def guest(admin: httpx.Client) -> str:
    """A running test guest of the admin's (templates are theirs) with a VNC screen."""
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
    check_serial_shell(server, admin, guest, BOOT_TIMEOUT)


def test_the_vnc_websocket_answers_the_rfb_handshake_to_server_init(
    server: Running, admin: httpx.Client, guest: str
) -> None:
    check_vnc(server, admin, guest)


def test_tickets_are_one_time_and_the_callers_own(server: Running, admin: httpx.Client, guest: str) -> None:
    check_tickets_are_the_owners(server, admin, guest)


def test_hearth_console_attaches_a_terminal_to_the_guest_and_ctrl_bracket_leaves(
    server: Running, guest: str
) -> None:
    check_terminal(server, ADMIN, "console-lv-vm", BOOT_TIMEOUT)


def test_stopping_the_guest_closes_its_console_with_1000(
    server: Running, admin: httpx.Client, guest: str
) -> None:
    check_stop_closes(server, admin, guest, BOOT_TIMEOUT)
