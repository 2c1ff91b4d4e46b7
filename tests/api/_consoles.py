"""Console clients for the tests: a ticket over HTTP, then the real WebSocket (``websockets``)."""

from __future__ import annotations

import base64
import os
import struct
import time
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from hearth.testing.guest import MARKER

from .conftest import OTHER, Running, assert_error, wait_state

# What the test guest's shell answers: computed by it, so the echo of the typed line cannot match.
SHELL_COMMAND = b"echo HEARTH-$((6*7))-ANSWER\r"
SHELL_ANSWER = b"HEARTH-42-ANSWER"


def ticket(client: httpx.Client, instance_id: str, kind: str = "console") -> dict[str, Any]:
    r = client.post(f"/v1/instances/{instance_id}/{kind}/ticket")
    assert r.status_code == 201, r.text
    body = dict(r.json())
    assert set(body) == {"ticket", "url", "expires_in"} and body["expires_in"] == 30, body
    assert body["url"] == f"/v1/instances/{instance_id}/{kind}?ticket={body['ticket']}"
    return body


def open_console(
    server: Running, url: str, *, headers: dict[str, str] | None = None, subprotocols: list[str] | None = None
) -> ClientConnection:
    return connect(
        "ws" + server.url.removeprefix("http") + url,
        additional_headers=headers,
        subprotocols=subprotocols,  # type: ignore[arg-type]
        open_timeout=60,
        max_size=None,
    )


def refused_status(server: Running, url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a refused handshake got (the test fails if it was accepted)."""
    try:
        with open_console(server, url, headers=headers):
            pass
    except InvalidStatus as exc:
        return exc.response.status_code
    raise AssertionError(f"the WebSocket {url} was accepted")


def read_until(ws: ClientConnection, wanted: bytes, timeout: float = 120) -> bytes:
    """Bytes from the console until ``wanted`` is among them (all of them, to look at)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} never came; got {seen[-2000:]!r}"
        try:
            frame = ws.recv(timeout=left)
        except TimeoutError:
            continue
        assert isinstance(frame, bytes), f"a text frame: {frame!r}"
        seen += frame
    return seen


def recv_exactly(ws: ClientConnection, count: int, buffer: bytearray, timeout: float = 60) -> bytes:
    """``count`` bytes of a byte stream split across frames however the proxy split it."""
    deadline = time.monotonic() + timeout
    while len(buffer) < count:
        frame = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        assert isinstance(frame, bytes)
        buffer += frame
    got = bytes(buffer[:count])
    del buffer[:count]
    return got


def rfb_handshake(ws: ClientConnection) -> tuple[bytes, int, int]:
    """RFB 3.8 with security type None up to ServerInit: the server's version line and the
    framebuffer's width and height."""
    buffer = bytearray()
    version = recv_exactly(ws, 12, buffer)
    assert version.startswith(b"RFB 003."), version
    ws.send(b"RFB 003.008\n")
    (count,) = struct.unpack("!B", recv_exactly(ws, 1, buffer))
    assert count > 0, "the VNC server refused the connection"
    types = recv_exactly(ws, count, buffer)
    assert 1 in types, f"no security type None offered: {list(types)}"
    ws.send(b"\x01")
    (result,) = struct.unpack("!I", recv_exactly(ws, 4, buffer))
    assert result == 0, "security handshake failed"
    ws.send(b"\x01")  # ClientInit: shared
    width, height = struct.unpack("!HH", recv_exactly(ws, 4, buffer))
    recv_exactly(ws, 16, buffer)  # pixel format
    (name_length,) = struct.unpack("!I", recv_exactly(ws, 4, buffer))
    recv_exactly(ws, name_length, buffer)
    return version, width, height


def closed_code(ws: ClientConnection, timeout: float = 60) -> int:
    """The close code the server ends the WebSocket with (reading what still comes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ws.recv(timeout=max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            continue
        except ConnectionClosed as exc:
            assert exc.rcvd is not None, "closed without a close frame"
            return exc.rcvd.code
    raise AssertionError("the server did not close the WebSocket")


# --- what every real backend's consoles must do, checked the same way on each -------------------


def check_serial_shell(server: Running, client: httpx.Client, instance_id: str, timeout: float) -> None:
    """The serial WebSocket shows the boot marker and the guest's shell answers a command."""
    with open_console(server, ticket(client, instance_id)["url"]) as ws:
        read_until(ws, MARKER.encode(), timeout=timeout)
        ws.send(SHELL_COMMAND)
        read_until(ws, SHELL_ANSWER, timeout=60)


def check_vnc(server: Running, client: httpx.Client, instance_id: str) -> None:
    """The VNC WebSocket (subprotocol binary) gets through RFB's handshake to a framebuffer size."""
    with open_console(server, ticket(client, instance_id, "vnc")["url"], subprotocols=["binary"]) as ws:
        assert ws.subprotocol == "binary"
        version, width, height = rfb_handshake(ws)
    assert version.startswith(b"RFB 003.00") and width > 0 and height > 0


def check_tickets_are_the_owners(server: Running, owner: httpx.Client, instance_id: str) -> None:
    """A ticket presented with another user's credentials is refused (and used up); that user
    gets no ticket of the owner's instance."""
    url = ticket(owner, instance_id, "vnc")["url"]
    basic = "Basic " + base64.b64encode(":".join(OTHER).encode()).decode()
    assert refused_status(server, url, headers={"Authorization": basic}) == 403
    assert refused_status(server, url) == 403
    with server.client(OTHER) as other:
        for kind in ("console", "vnc"):
            assert_error(other.post(f"/v1/instances/{instance_id}/{kind}/ticket"), 404, "NotFound")


def check_terminal(server: Running, user: tuple[str, str], name: str, timeout: float) -> None:
    """``hearth console NAME`` on a real pty: the boot, the shell's answer, Ctrl-] exits 0."""
    from tests.cli._terminal import Terminal

    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    env = {**clean, "HEARTH_URL": server.url, "HEARTH_USER": user[0], "HEARTH_PASSWORD": user[1]}
    term = Terminal(env, "console", name)
    try:
        term.expect(MARKER.encode(), timeout=timeout)
        term.send(SHELL_COMMAND)
        term.expect(SHELL_ANSWER)
        term.send(b"\x1d")
        assert term.wait() == 0, term.seen[-500:]
    finally:
        term.kill()


def check_stop_closes(server: Running, client: httpx.Client, instance_id: str, timeout: float) -> None:
    """Forcing the guest off closes its open console with 1000; then no ticket (409), and the
    instance is deleted."""
    with open_console(server, ticket(client, instance_id)["url"]) as ws:
        read_until(ws, MARKER.encode(), timeout=timeout)
        assert client.post(f"/v1/instances/{instance_id}/stop", json={"force": True}).status_code == 202
        assert closed_code(ws, timeout=timeout) == 1000
    wait_state(client, instance_id, "STOPPED", timeout=timeout)
    assert_error(client.post(f"/v1/instances/{instance_id}/console/ticket"), 409, "InvalidState")
    assert client.get(f"/v1/instances/{instance_id}").json()["consoles"]["serial"] is False
    assert client.delete(f"/v1/instances/{instance_id}").status_code == 204
