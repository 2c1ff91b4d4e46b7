"""A domain's serial console (``virDomainOpenConsole``) and screen (``virDomainOpenGraphicsFD``).

The serial console is a non-blocking libvirt stream, as ``virsh console`` uses it: libvirt's
event loop (``connection.ensure_event_loop``, already running for lifecycle events) calls back
when it is readable, the callback reads what there is and hands it to the asyncio side; past
``QUEUED_BYTES`` not yet read it stops asking for more until the reader catches up, so a slow
client holds the guest's output back in libvirt rather than in this process. Writes go out as
the stream takes them. It works on remote hosts too (the stream rides the connection).

The screen is an fd libvirt connects to QEMU's VNC server (QMP ``add_client``) and passes over
the connection: no VNC port or socket of QEMU's is reached from here, so it needs a local
connection (``qemu:///system``), where fds can pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

import libvirt

from hearth.errors import BackendError

from ..consoles import READ_CHUNK, ConsoleStream, SocketConsole
from .context import Found
from .errors import libvirt_message

QUEUED_BYTES = 256 * 1024
"""Bytes read from the guest but not yet by the client, past which reading pauses."""
_WAIT_WRITABLE = 0.01  # seconds between tries while the stream takes no more
_READABLE = libvirt.VIR_STREAM_EVENT_READABLE
_ENDED = libvirt.VIR_STREAM_EVENT_ERROR | libvirt.VIR_STREAM_EVENT_HANGUP


def open_serial(found: Found) -> ConsoleStream:
    """The domain's first console, taken over from any other session (as ``virsh console --force``)."""

    def opening(c: libvirt.virConnect) -> libvirt.virStream:
        stream = c.newStream(libvirt.VIR_STREAM_NONBLOCK)
        try:
            found.dom.openConsole(None, stream, libvirt.VIR_DOMAIN_CONSOLE_FORCE)
        except libvirt.libvirtError:
            with contextlib.suppress(libvirt.libvirtError):
                stream.abort()
            raise
        return stream

    return StreamConsole(found.link.run(f"opening the serial console of instance {found.id}", opening))


def open_vnc(found: Found) -> ConsoleStream:
    """A connection of our own to the domain's VNC server (no VNC password: the ticket was the check)."""
    fd = found.link.run(
        f"opening the screen of instance {found.id}",
        lambda c: found.dom.openGraphicsFD(0, libvirt.VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH),
    )
    sock = socket.socket(fileno=fd)
    sock.setblocking(False)
    return SocketConsole(sock)


class StreamConsole(ConsoleStream):
    """A non-blocking libvirt stream as a console. Made on a worker thread; its callback is
    added on the first ``read``, once the event loop that will read it is known."""

    def __init__(self, stream: libvirt.virStream) -> None:
        self._stream = stream
        self._lock = threading.Lock()  # the callback's thread and the event loop share the below
        self._queued = 0
        self._paused = False
        self._watching = False
        self._closed = False
        self._chunks: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self) -> bytes:
        if not self._watching:
            self._loop = asyncio.get_running_loop()
            self._watching = True
            self._stream.eventAddCallback(_READABLE | _ENDED, self._on_event, None)
        chunk = await self._chunks.get()
        if isinstance(chunk, BaseException):
            raise chunk
        with self._lock:
            self._queued -= len(chunk)
            resume = self._paused and self._queued < QUEUED_BYTES // 2 and not self._closed
            if resume:
                self._paused = False
        if resume:
            self._stream.eventUpdateCallback(_READABLE | _ENDED)
        return chunk

    async def write(self, data: bytes) -> None:
        while data:
            try:
                sent = self._stream.send(data)
            except libvirt.libvirtError as exc:
                raise BackendError(f"the serial console failed: {libvirt_message(exc)}") from None
            if sent == -2:  # the stream takes no more now
                await asyncio.sleep(_WAIT_WRITABLE)
                continue
            data = data[sent:]

    async def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(libvirt.libvirtError):
            if self._watching:
                self._stream.eventRemoveCallback()
            self._stream.abort()

    # --- on libvirt's event loop thread ---------------------------------------------------------

    def _on_event(self, stream: libvirt.virStream, events: int, _opaque: object) -> None:
        if events & _READABLE:
            while True:
                try:
                    data = stream.recv(READ_CHUNK)
                except libvirt.libvirtError as exc:
                    self._end(BackendError(f"the serial console failed: {libvirt_message(exc)}"))
                    return
                if data == -2:  # nothing more for now
                    break
                if not isinstance(data, bytes) or not data:  # the guest side ended
                    self._end(b"")
                    return
                with self._lock:
                    self._queued += len(data)
                    pause = self._queued >= QUEUED_BYTES
                    if pause:
                        self._paused = True
                self._hand(data)
                if pause:
                    stream.eventUpdateCallback(_ENDED)
                    return
        elif events & _ENDED:
            self._end(b"")

    def _end(self, last: bytes | BaseException) -> None:
        with contextlib.suppress(libvirt.libvirtError):
            self._stream.eventRemoveCallback()
        self._hand(last)

    def _hand(self, chunk: bytes | BaseException) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._chunks.put_nowait, chunk)
