"""Console clients for the tests: a ticket over HTTP, then the real WebSocket (``websockets``)."""

from __future__ import annotations

import struct
import time
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from .conftest import Running

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
