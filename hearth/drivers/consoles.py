"""An instance's consoles as byte streams: its serial port, and its screen's VNC server.

A backend's ``open_serial_console`` / ``open_graphics_console`` run on a worker thread (they may
ask the host), check ownership and state, and hand back a ``ConsoleStream``: an async byte
duplex a frontend then drives on its event loop. Raw bytes both ways (what the guest's serial
port carries, or RFB); ``read`` answers ``b""`` once the guest side has closed (the guest
stopped), and ``write`` returns once the bytes are handed on, so a slow guest slows its writer
(backpressure) rather than filling memory.

Most backends reach both over a unix socket on this host (QEMU's chardev socket, a VNC server
listening on a socket: never on the network); ``SocketConsole`` is that stream, written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from abc import ABC, abstractmethod
from pathlib import Path

from hearth.errors import BackendError, InvalidState
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.instance_states import InstanceState

from .resources import METRICS_STATES, InstanceConsoles

READ_CHUNK = 64 * 1024
"""The most a ``read`` answers at once: one WebSocket frame."""

CONSOLE_STATES = METRICS_STATES
"""States in which a guest process exists, so its serial port and screen can be reached."""


class ConsoleStream(ABC):
    """One open console: bytes from the guest (``read``) and to it (``write``)."""

    @abstractmethod
    async def read(self) -> bytes:
        """The next bytes from the guest, at most ``READ_CHUNK``; ``b""`` once it has closed."""

    @abstractmethod
    async def write(self, data: bytes) -> None:
        """Hand ``data`` to the guest, waiting while it is not taking more."""

    @abstractmethod
    async def close(self) -> None:
        """Let go of the console (idempotent); the guest keeps running."""


class SocketConsole(ConsoleStream):
    """A console behind a connected unix socket. Built on a worker thread (the connect), used on
    the event loop: asyncio's streams are made on the first ``read`` or ``write``."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock: socket.socket | None = sock
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._opening = asyncio.Lock()

    @classmethod
    def connect(cls, path: Path, what: str) -> SocketConsole:
        """Connect to the socket at ``path``; BackendError naming ``what`` if nothing listens."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
        except OSError as err:
            sock.close()
            raise BackendError(f"cannot reach the {what}: {err.strerror or err}") from None
        sock.setblocking(False)
        return cls(sock)

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with self._opening:
            if self._streams is None:
                if self._sock is None:
                    raise BackendError("the console is closed")
                self._streams = await asyncio.open_unix_connection(sock=self._sock, limit=READ_CHUNK)
                self._sock = None
            return self._streams

    async def read(self) -> bytes:
        reader, _ = await self._open()
        try:
            return await reader.read(READ_CHUNK)
        except ConnectionError:
            return b""

    async def write(self, data: bytes) -> None:
        _, writer = await self._open()
        writer.write(data)
        await writer.drain()

    async def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._streams is not None:
            writer = self._streams[1]
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class PrefixedConsole(ConsoleStream):
    """A console whose first ``read`` answers ``prefix`` (what the guest printed before it was
    opened), then the console's own bytes."""

    def __init__(self, prefix: bytes, stream: ConsoleStream) -> None:
        self._prefix = prefix
        self._stream = stream

    async def read(self) -> bytes:
        if self._prefix:
            head, self._prefix = self._prefix[:READ_CHUNK], self._prefix[READ_CHUNK:]
            return head
        return await self._stream.read()

    async def write(self, data: bytes) -> None:
        await self._stream.write(data)

    async def close(self) -> None:
        await self._stream.close()


def consoles_of(state: InstanceState, graphics: GraphicsType | None, *, serial: bool) -> InstanceConsoles:
    """What an instance's view says of its consoles: the serial console while a guest runs
    (where the backend serves one at all), and the display it was given."""
    shown = graphics if graphics in (GraphicsType.vnc, GraphicsType.spice) else None
    return InstanceConsoles(serial=serial and state in CONSOLE_STATES, graphics=shown)


def require_running(instance_id: str, state: InstanceState, what: str) -> None:
    """InvalidState (409) unless a guest process exists to reach ``what`` of."""
    if state not in CONSOLE_STATES:
        names = " or ".join(sorted(s.value for s in CONSOLE_STATES))
        raise InvalidState(
            f"instance {instance_id} is {state.value}: its {what} is reached while it is {names}",
            instance=instance_id,
            state=state.value,
        )


def require_vnc(instance_id: str, graphics: GraphicsType | None) -> None:
    """InvalidState (409) unless the instance's screen is a VNC display (what /vnc proxies)."""
    if graphics is not GraphicsType.vnc:
        shown = graphics.value if graphics is not None else "none"
        raise InvalidState(
            f"instance {instance_id} has no VNC screen (its graphics: {shown})",
            instance=instance_id,
            graphics=shown,
        )
