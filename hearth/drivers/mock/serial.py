"""The mock guest's serial console, simulated: an echo (the service sends its log first).

There is no guest to type to, so the port answers as a terminal in cooked mode would: every
byte sent comes back, a carriage return as CR LF. Enough for a frontend's terminal to be shown
working against the mock (the web UI, ``hearth console``); real guests are reached on libvirt
and qemu. Like a real console it ends when the instance leaves RUNNING/PAUSED (``end``, called
from the mock's event source).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from ..consoles import ConsoleStream

QUEUED_CHUNKS = 64
"""Chunks waiting to be read before ``write`` waits: the simulation's backpressure."""


class EchoConsole(ConsoleStream):
    def __init__(self, on_close: Callable[[], None]) -> None:
        # Built on a worker thread: an asyncio.Queue binds to the loop that first uses it.
        self._out: asyncio.Queue[bytes] = asyncio.Queue(QUEUED_CHUNKS)
        self._on_close = on_close
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ended = False

    def end(self) -> None:
        """The guest is gone: the reader gets ``b""`` next (callable from any thread)."""
        with self._lock:
            self._ended = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    async def read(self) -> bytes:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            ended = self._ended
        if ended and self._out.empty():
            return b""
        return await self._out.get()

    async def write(self, data: bytes) -> None:
        if not self._ended and data:
            await self._out.put(data.replace(b"\r", b"\r\n"))

    async def close(self) -> None:
        self.end()
        self._on_close()

    def _wake(self) -> None:
        if self._out.full():
            self._out.get_nowait()
        self._out.put_nowait(b"")
