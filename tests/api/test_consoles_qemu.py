"""A real tiny guest's serial console and screen through the /v1 WebSockets on the qemu driver (TCG)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drivers.qemu.case import GUEST_IMAGE, guest_files

from ._consoles import (
    check_serial_shell,
    check_stop_closes,
    check_terminal,
    check_tickets_are_the_owners,
    check_vnc,
)
from ._qemu import qemu_serving
from .conftest import DEMO, Running, wait_state

BOOT = 180


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-consoles"), guest_files(request)) as running:
        yield running


@pytest.fixture(scope="module")
def guest(qemu_server: Running) -> str:
    """A running test guest of the demo user's, made from an image (so it has a VNC screen)."""
    with qemu_server.client(DEMO) as demo:
        r = demo.post("/v1/instances", json={"image_id": GUEST_IMAGE, "hwp_id": "small", "name": "con-q"})
        assert r.status_code == 201, r.text
        inst = wait_state(demo, r.json()["id"], "RUNNING", timeout=BOOT)
    assert inst["consoles"] == {"serial": True, "graphics": "vnc"}
    return str(inst["id"])


def test_the_serial_websocket_shows_the_boot_and_the_guests_shell_answers(
    qemu_server: Running, guest: str
) -> None:
    with qemu_server.client(DEMO) as demo:
        check_serial_shell(qemu_server, demo, guest, BOOT)


def test_the_vnc_websocket_answers_the_rfb_handshake_to_server_init(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo:
        check_vnc(qemu_server, demo, guest)


def test_tickets_are_one_time_and_the_callers_own(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo:
        check_tickets_are_the_owners(qemu_server, demo, guest)


def test_hearth_console_attaches_a_terminal_to_the_guest_and_ctrl_bracket_leaves(
    qemu_server: Running, guest: str
) -> None:
    check_terminal(qemu_server, DEMO, "con-q", BOOT)


def test_stopping_the_guest_closes_its_console_with_1000(qemu_server: Running, guest: str) -> None:
    with qemu_server.client(DEMO) as demo:
        check_stop_closes(qemu_server, demo, guest, BOOT)
