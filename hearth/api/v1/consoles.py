"""/v1/instances/{id}/console and …/vnc: the serial console and the screen over WebSockets.

A browser cannot put Basic credentials on a WebSocket, so a console is opened in two steps: a
``POST …/console/ticket`` (or ``…/vnc/ticket``) with the usual credentials answers a one-time
ticket (``hearth.service.consoles``), and the WebSocket ``GET …/console?ticket=…`` presents it.
The ticket is the WebSocket's authorization (the ASGI gate leaves WebSocket scopes alone); a
handshake that carries credentials as well must name the ticket's user. A refused ticket is
refused before the handshake completes (HTTP 403).

Once open, binary frames carry the console's bytes both ways (text frames from the client are
taken as UTF-8 bytes): the serial port's, or RFB for VNC (the subprotocol ``binary`` is selected
when offered, as noVNC does). Each direction waits on the other end before reading more, so a
slow guest or client holds its sender back rather than filling memory. When the guest side ends
(the instance stopped) the WebSocket is closed with 1000; a backend failure closes it with 1011
and the error's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Annotated

from fastapi import Response, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from hearth.drivers import Caller, ConsoleStream, Operation
from hearth.errors import HearthError
from hearth.redact import for_tenant, redact
from hearth.service import Service
from hearth.service.consoles import ConsoleKind, ConsoleTicket

from ..credentials import authenticate
from ..deps import Call, call, serving
from .common import PREFIX, Id, json_body, v1_router

router = v1_router("consoles")
log = logging.getLogger("hearth.api.consoles")

NORMAL_CLOSURE = 1000
POLICY_VIOLATION = 1008  # before accept: the server answers the handshake with HTTP 403
INTERNAL_ERROR = 1011
_REASON_BYTES = 123  # the most a close frame's reason may hold
SUBPROTOCOL = "binary"
_UNEXPECTED = "the console failed unexpectedly; the server log has the details"


def _url(instance_id: str, kind: ConsoleKind) -> str:
    return f"{PREFIX}/instances/{instance_id}/{kind.value}"


async def _ticket(call: Call, instance_id: str, kind: ConsoleKind) -> Response:
    consoles = call.service.consoles
    made = await call.run(consoles.ticket, call.caller, instance_id, kind, _url(instance_id, kind))
    return json_body(made, 201)


@router.post("/instances/{instance_id}/console/ticket", response_model=ConsoleTicket, status_code=201)
async def serial_console_ticket(
    call: Annotated[Call, serving(Operation.instances_serial_console)], instance_id: Id
) -> Response:
    """A one-time ticket (30 s) for the instance's serial console WebSocket (409 unless it runs)."""
    return await _ticket(call, instance_id, ConsoleKind.serial)


@router.post("/instances/{instance_id}/vnc/ticket", response_model=ConsoleTicket, status_code=201)
async def vnc_ticket(
    call: Annotated[Call, serving(Operation.instances_graphics_console)], instance_id: Id
) -> Response:
    """A one-time ticket (30 s) for the instance's VNC WebSocket (409 unless it runs with a VNC
    screen)."""
    return await _ticket(call, instance_id, ConsoleKind.vnc)


@router.websocket("/instances/{instance_id}/console")
async def serial_console(websocket: WebSocket, instance_id: str) -> None:
    """The serial console: binary frames of the guest's serial bytes, both ways."""
    await _serve(websocket, instance_id, ConsoleKind.serial)


@router.websocket("/instances/{instance_id}/vnc")
async def vnc_console(websocket: WebSocket, instance_id: str) -> None:
    """The screen: binary frames of RFB, both ways, to the guest's VNC server on this host."""
    await _serve(websocket, instance_id, ConsoleKind.vnc)


async def _serve(websocket: WebSocket, instance_id: str, kind: ConsoleKind) -> None:
    svc: Service = websocket.app.state.service
    try:
        presenter = await _presenter(websocket, svc)
        caller = svc.consoles.redeem(websocket.query_params.get("ticket", ""), instance_id, kind, presenter)
    except HearthError as exc:
        log.info("console %s of instance %s refused: %s", kind.value, instance_id, exc.message)
        await websocket.close(POLICY_VIOLATION)
        return
    offered = websocket.scope.get("subprotocols") or []
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in offered else None
    try:
        stream = await call(svc.consoles.open, caller, instance_id, kind)
    except HearthError as exc:
        await websocket.accept(subprotocol)
        await websocket.close(INTERNAL_ERROR, _reason(exc, caller))
        return
    except Exception:
        log.exception("opening console %s of instance %s failed", kind.value, instance_id)
        await websocket.accept(subprotocol)
        await websocket.close(INTERNAL_ERROR, _UNEXPECTED)
        return
    try:
        await websocket.accept(subprotocol)
        code, reason = await _bridge(websocket, stream, caller)
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError, OSError):
                await websocket.close(code, reason)
    finally:
        await stream.close()


async def _presenter(websocket: WebSocket, svc: Service) -> Caller | None:
    """Whoever the handshake's own credentials name, if it carries any (a wrong password is refused)."""
    header = websocket.headers.get("authorization")
    if header is None:
        return None
    client = websocket.client
    return await authenticate(svc, header, client.host if client else None)


async def _bridge(websocket: WebSocket, stream: ConsoleStream, caller: Caller) -> tuple[int, str]:
    """Copy both ways until one side ends; the close code and reason for the client."""
    to_guest = asyncio.create_task(_client_to_guest(websocket, stream))
    to_client = asyncio.create_task(_guest_to_client(websocket, stream))
    done, pending = await asyncio.wait({to_guest, to_client}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, HearthError, OSError):
            await task
    finished = done.pop()
    failure = finished.exception()
    if failure is None or isinstance(failure, WebSocketDisconnect):
        return NORMAL_CLOSURE, ""
    if isinstance(failure, HearthError):
        return INTERNAL_ERROR, _reason(failure, caller)
    if isinstance(failure, OSError):
        return INTERNAL_ERROR, "the console connection to the guest failed"
    log.error("a console bridge failed", exc_info=failure)
    return INTERNAL_ERROR, _UNEXPECTED


async def _client_to_guest(websocket: WebSocket, stream: ConsoleStream) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            data = (message.get("text") or "").encode()
        if data:
            await stream.write(data)


async def _guest_to_client(websocket: WebSocket, stream: ConsoleStream) -> None:
    while data := await stream.read():
        await websocket.send_bytes(data)


def _reason(exc: HearthError, caller: Caller) -> str:
    """The error's message as a close reason: redacted, stripped of host details for tenants,
    cut to what a close frame holds."""
    text = redact(exc.message) if caller.is_admin else for_tenant(redact(exc.message))
    raw = text.encode()
    if len(raw) > _REASON_BYTES:
        text = raw[: _REASON_BYTES - 3].decode(errors="ignore") + "..."
    return text
