"""`hearth console NAME`: the terminal attached to an instance's serial console, as `virsh console`.

A ticket first (``POST /v1/instances/{id}/console/ticket``, with the user's credentials), then
the WebSocket it opens. The terminal is put in raw mode, so every key (Ctrl-C included) reaches
the guest; Ctrl-] (the escape character virsh uses) leaves, restoring the terminal.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from .options import UrlOpt, UserOpt

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

ESCAPE = b"\x1d"  # Ctrl-]
_POLL_SECONDS = 0.2  # how often the keyboard loop looks whether the console ended


def console(
    instance: Annotated[str, typer.Argument(help="instance id, name, or the start of its id")],
    url: UrlOpt = None,
    user: UserOpt = None,
) -> None:
    """Attach this terminal to an instance's serial console; Ctrl-] leaves."""
    from .http import ClientError, client_errors, connect

    with connect(url, user) as api:
        instance_id = api.instance_id(instance)
        _, ticket = api.post(f"/v1/instances/{instance_id}/console/ticket")
        target = "ws" + api.base.removeprefix("http") + str(ticket["url"])
    with client_errors():
        ended = _attach(target, instance)
        if ended is not None:
            raise ClientError(ended)


def _attach(target: str, label: str) -> str | None:
    """Copy the WebSocket to stdout and stdin to it until Ctrl-] or the server closes; the
    server's reason when it closed because of a failure, else None."""
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect as ws_connect

    from .http import ClientError

    try:
        ws = ws_connect(target, open_timeout=30, max_size=None)
    except InvalidStatus as exc:
        raise ClientError(f"the server refused the console (HTTP {exc.response.status_code})") from None
    except (OSError, WebSocketException) as exc:
        raise ClientError(f"cannot open the console: {type(exc).__name__}") from None
    sys.stderr.write(f"Connected to {label}; escape character is ^]\r\n")
    sys.stderr.flush()
    closed = threading.Event()
    reader = threading.Thread(target=_to_terminal, args=(ws, closed), daemon=True)
    with ws, _raw_terminal():
        reader.start()
        _from_keyboard(ws, closed)
    reader.join(timeout=5)
    sys.stderr.write("\r\n")
    code = ws.close_code
    if code is not None and code not in (1000, 1001, 1005):
        return f"the console closed: {ws.close_reason or f'code {code}'}"
    return None


def _to_terminal(ws: ClientConnection, closed: threading.Event) -> None:
    from websockets.exceptions import ConnectionClosed

    out = sys.stdout.fileno()
    try:
        for frame in ws:
            os.write(out, frame if isinstance(frame, bytes) else frame.encode())
    except ConnectionClosed:
        pass
    finally:
        closed.set()


def _from_keyboard(ws: ClientConnection, closed: threading.Event) -> None:
    from websockets.exceptions import ConnectionClosed

    keyboard = sys.stdin.fileno()
    while not closed.is_set():
        ready, _, _ = select.select([keyboard], [], [], _POLL_SECONDS)
        if not ready:
            continue
        data = os.read(keyboard, 4096)
        if not data:  # stdin ended: leave as the escape would
            return
        if ESCAPE in data:
            data = data[: data.index(ESCAPE)]
            with contextlib.suppress(ConnectionClosed):
                if data:
                    ws.send(data)
            return
        try:
            ws.send(data)
        except ConnectionClosed:
            return


@contextlib.contextmanager
def _raw_terminal() -> Iterator[None]:
    """stdin in raw mode while attached (when it is a terminal), restored however we leave."""
    if not sys.stdin.isatty():
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
