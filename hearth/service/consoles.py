"""Console tickets: how a WebSocket, which carries no Basic credentials, is authorized.

A caller who may reach an instance asks for a ticket (``POST …/console/ticket``, ``…/vnc/ticket``)
with their usual credentials; the ticket then opens that one console of that one instance, once,
within ``TICKET_SECONDS``, as that caller. Tickets live in this process's memory only (a restart
voids them, which costs a client one more POST), keyed by a hash of the secret so that the lookup
does not compare secrets byte by byte, and compared again in constant time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hearth.drivers import Caller, Driver, Operation
from hearth.drivers.consoles import ConsoleStream, PrefixedConsole, require_running, require_vnc
from hearth.errors import Forbidden, LimitExceeded

from .capability import CapabilityGate

TICKET_SECONDS = 30
MAX_TICKETS = 4096
"""Tickets outstanding at once (expired ones are dropped first): a bound on the memory they take."""
_BARE_NEWLINE = re.compile(r"(?<!\r)\n")  # a log written without a terminal's CR LF


class ConsoleKind(StrEnum):
    """Which console a ticket opens; the value is its URL segment (``/console``, ``/vnc``)."""

    serial = "console"
    vnc = "vnc"


OPERATIONS: dict[ConsoleKind, Operation] = {
    ConsoleKind.serial: Operation.instances_serial_console,
    ConsoleKind.vnc: Operation.instances_graphics_console,
}


class ConsoleTicket(BaseModel):
    """A one-time ticket for one console of one instance, as the caller gets it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket: str = Field(description="the one-time secret (URL-safe)")
    url: str = Field(description="the WebSocket path that takes it")
    expires_in: int = Field(description="seconds it stays valid, unused")


@dataclass(frozen=True, slots=True)
class _Issued:
    digest: bytes
    caller: Caller
    instance_id: str
    kind: ConsoleKind
    deadline: float


def _close_later(stream: ConsoleStream) -> None:
    """Let go of a stream opened on a worker thread, which has no event loop to close it on."""
    asyncio.run(stream.close())


def _digest(ticket: str) -> bytes:
    return hashlib.sha256(ticket.encode("utf-8", "surrogateescape")).digest()


class Consoles:
    """Tickets, and opening the console a ticket names (the driver's stream)."""

    def __init__(
        self, driver: Driver, gate: CapabilityGate, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._driver = driver
        self._gate = gate
        self._clock = clock
        self._lock = threading.Lock()
        self._issued: dict[bytes, _Issued] = {}

    def ticket(self, caller: Caller, instance_id: str, kind: ConsoleKind, url: str) -> ConsoleTicket:
        """A ticket for ``kind`` of the caller's instance: 404 for another's instance, 409 while
        that console cannot be opened (not running, no VNC screen), 501 where the backend has none.
        ``url`` is the frontend's path of the console; the ticket is appended to it."""
        self._gate.require(OPERATIONS[kind])
        inst = self._driver.get_instance(caller, instance_id)
        require_running(inst.id, inst.state, "serial console" if kind is ConsoleKind.serial else "screen")
        if kind is ConsoleKind.vnc:
            require_vnc(inst.id, inst.consoles.graphics)
        secret = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._prune(now)
            if len(self._issued) >= MAX_TICKETS:
                raise LimitExceeded(
                    f"{MAX_TICKETS} console tickets are outstanding; retry in {TICKET_SECONDS} s",
                    scope="server",
                )
            digest = _digest(secret)
            self._issued[digest] = _Issued(digest, caller, inst.id, kind, now + TICKET_SECONDS)
        return ConsoleTicket(ticket=secret, url=f"{url}?ticket={secret}", expires_in=TICKET_SECONDS)

    def redeem(
        self, ticket: str, instance_id: str, kind: ConsoleKind, presenter: Caller | None = None
    ) -> Caller:
        """The caller a ticket was issued to, using it up; Forbidden (403) when it is unknown,
        used, expired, for another console or instance, or ``presenter`` (whoever the request's
        own credentials name, if any) is not the caller it was issued to."""
        digest = _digest(ticket)
        with self._lock:
            issued = self._issued.pop(digest, None)
        if issued is None or not hmac.compare_digest(issued.digest, digest):
            raise Forbidden("the console ticket is unknown or was used already")
        if self._clock() > issued.deadline:
            raise Forbidden(f"the console ticket expired (tickets are valid {TICKET_SECONDS} s)")
        if issued.instance_id != instance_id or issued.kind is not kind:
            raise Forbidden("the console ticket is for another console")
        if presenter is not None and presenter != issued.caller:
            raise Forbidden("the console ticket was issued to another user")
        return issued.caller

    def open(self, caller: Caller, instance_id: str, kind: ConsoleKind) -> ConsoleStream:
        """The console itself, for the caller a ticket named (blocking: run on a worker thread).

        A serial console starts with what the guest printed before (the log's tail, where the
        backend keeps one), read once the console is open so nothing falls between the two: a
        terminal opened after boot still shows the boot."""
        if kind is ConsoleKind.vnc:
            return self._driver.open_graphics_console(caller, instance_id)
        stream = self._driver.open_serial_console(caller, instance_id)
        if not self._gate.supports(Operation.instances_console_output):
            return stream
        try:
            text = self._driver.get_console_output(caller, instance_id).output
        except BaseException:
            _close_later(stream)
            raise
        return PrefixedConsole(_BARE_NEWLINE.sub("\r\n", text).encode(), stream)

    def _prune(self, now: float) -> None:
        for digest in [d for d, t in self._issued.items() if t.deadline < now]:
            del self._issued[digest]
