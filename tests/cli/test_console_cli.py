"""`hearth console NAME` on a real pty against the mock's serial console (its simulation)."""

from __future__ import annotations

import os

import httpx

from tests.api.conftest import DEMO, Running, new_instance, wait_state

from ._terminal import Terminal
from .test_client import hearth, live, one_error_line

__all__ = ["live"]


def _env(server: Running) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {**clean, "HEARTH_URL": server.url, "HEARTH_USER": DEMO[0], "HEARTH_PASSWORD": DEMO[1]}


def test_hearth_console_shows_the_console_passes_keys_and_ctrl_bracket_leaves_with_0(live: Running) -> None:
    with httpx.Client(base_url=live.url, auth=DEMO) as demo:
        inst = wait_state(demo, new_instance(demo, name="console-cli")["id"], "RUNNING")
    term = Terminal(_env(live), "console", "console-cli")
    try:
        term.expect(b"escape character is ^]")
        term.expect(b"login: ")
        term.send(b"typed\x03\r")  # raw mode: Ctrl-C reaches the guest instead of ending us
        term.expect(b"typed\x03\r\n")
        term.send(b"\x1d")
        status = term.wait()
        assert status == 0, term.seen[-500:]
    finally:
        term.kill()
    assert inst["consoles"]["serial"] is True
    shown = hearth({**_env(live), "COLUMNS": "200"}, "vm", "show", "console-cli").stdout
    assert "serial: hearth console console-cli; screen: -" in shown


def test_hearth_console_of_a_stopped_instance_is_one_line_naming_the_state(live: Running) -> None:
    with httpx.Client(base_url=live.url, auth=DEMO) as demo:
        inst = wait_state(demo, new_instance(demo, name="console-off")["id"], "RUNNING")
        assert demo.post(f"/v1/instances/{inst['id']}/stop").status_code == 202
        wait_state(demo, inst["id"], "STOPPED")
    line = one_error_line(hearth(_env(live), "console", "console-off", ok=False))
    assert "STOPPED" in line
