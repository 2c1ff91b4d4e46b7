"""The mock guest's serial console, simulated: an echo (the service sends its log first).

There is no guest to type to, so the port answers as a terminal in cooked mode would: every
byte sent comes back, a carriage return as CR LF. Enough for a frontend's terminal to be shown
working against the mock (the web UI, ``hearth console``); real guests are reached on libvirt
and qemu.
"""

from __future__ import annotations

import asyncio

from ..consoles import ConsoleStream

QUEUED_CHUNKS = 64
"""Chunks waiting to be read before ``write`` waits: the simulation's backpressure."""


class EchoConsole(ConsoleStream):
    def __init__(self) -> None:
        # Built on a worker thread: an asyncio.Queue binds to the loop that first uses it.
        self._out: asyncio.Queue[bytes] = asyncio.Queue(QUEUED_CHUNKS)
        self._closed = False

    async def read(self) -> bytes:
        if self._closed and self._out.empty():
            return b""
        return await self._out.get()

    async def write(self, data: bytes) -> None:
        if not self._closed and data:
            await self._out.put(data.replace(b"\r", b"\r\n"))

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._out.full():
                self._out.get_nowait()
            self._out.put_nowait(b"")
