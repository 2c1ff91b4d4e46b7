"""An asyncio QMP client: commands with ids, events to subscribers, waits with timeouts.

Built on ``qemu.qmp.QMPClient`` (never its GPL-only ``legacy`` module), which already does
the greeting, capability negotiation (including out-of-band when offered) and per-command
ids. What this layer adds is what govmm gets wrong or leaves to every caller:

* every call has a timeout and QMP failures become typed Hearth errors;
* commands whose effect completes later are paired with their completion event, and the
  listener is registered *before* the command is sent, so a fast event cannot be missed
  (``device_del`` waits for ``DEVICE_DELETED`` of that very device id);
* events fan out to any number of subscribers and can be awaited with a filter;
* a socketpair end can be passed in, so there is no window in which another process could
  grab a monitor socket path before we connect;
* open descriptors are handed over (SCM_RIGHTS, then ``getfd``) one at a time, because QEMU
  pairs ``getfd`` with whatever descriptor arrived last.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qemu.qmp import ConnectError, ExecInterruptedError, ExecuteError, Message, QMPClient, QMPError

from hearth.errors import BackendError, BackendTimeout, InvalidState

DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Event:
    """One QMP event; ``timestamp`` is QEMU's own clock, in seconds."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)
    timestamp: float = 0.0

    @classmethod
    def from_message(cls, msg: Message) -> Event:
        ts = msg.get("timestamp")
        seconds = 0.0
        if isinstance(ts, Mapping):
            seconds = float(ts.get("seconds", 0)) + float(ts.get("microseconds", 0)) / 1e6
        data = msg.get("data")
        return cls(
            name=str(msg["event"]), data=dict(data) if isinstance(data, Mapping) else {}, timestamp=seconds
        )


EventMatch = Mapping[str, Any] | Callable[[Event], bool] | None


def _matcher(names: str | Iterable[str] | None, match: EventMatch) -> Callable[[Event], bool]:
    wanted = {names} if isinstance(names, str) else set(names or ())

    def accept(event: Event) -> bool:
        if wanted and event.name not in wanted:
            return False
        if match is None:
            return True
        if callable(match):
            return bool(match(event))
        return all(event.data.get(k) == v for k, v in match.items())

    return accept


class QMPCommandError(BackendError):
    """QEMU refused a command; ``details`` carry QMP's error class and the command name."""


class _Client(QMPClient):
    """QMPClient that remembers which command ids went out, for diagnostics and tests.

    Only the command name and id are kept, never the arguments: they may carry secrets.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sent: collections.deque[tuple[str, str]] = collections.deque(maxlen=64)

    def _cb_outbound(self, msg: Message) -> Message:
        if "execute" in msg or "exec-oob" in msg:
            if "id" not in msg:  # the negotiation message goes out without one
                msg["id"] = f"hearth#{len(self.sent)}"
            self.sent.append((str(msg.get("execute") or msg.get("exec-oob")), str(msg.get("id"))))
        return super()._cb_outbound(msg)


class Subscription:
    """A subscriber's handle: filtered events in a queue, or pushed to a callback."""

    def __init__(
        self,
        qmp: QMP,
        accept: Callable[[Event], bool],
        callback: Callable[[Event], None] | None = None,
    ) -> None:
        self._qmp = qmp
        self._accept = accept
        self._callback = callback
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()

    def _deliver(self, event: Event | None) -> None:
        if event is not None and not self._accept(event):
            return
        if self._callback is not None:
            if event is not None:
                self._callback(event)
        else:
            self._queue.put_nowait(event)

    async def get(self, timeout: float | None = DEFAULT_TIMEOUT) -> Event:
        """The next matching event; BackendError if the connection drops first."""
        try:
            event = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            raise BackendTimeout(f"no matching QMP event within {timeout}s", timeout=timeout) from None
        if event is None:
            self._queue.put_nowait(None)  # keep later get() calls failing too
            raise BackendError("QMP connection closed while waiting for an event")
        return event

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    def close(self) -> None:
        self._qmp._subscriptions.discard(self)


class QMP:
    """One QMP session to one QEMU."""

    def __init__(self, name: str = "hearth") -> None:
        self._client = _Client(name)
        self._subscriptions: set[Subscription] = set()
        self._pump: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._fd_lock = asyncio.Lock()
        self.disconnect_reason: str | None = None

    # -- connection -----------------------------------------------------------------

    async def connect(self, where: socket.socket | str | Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Connect to a socket object (socketpair end) or a unix socket path, then negotiate."""
        address: socket.socket | str = where if isinstance(where, socket.socket) else str(where)
        try:
            await asyncio.wait_for(self._client.connect(address), timeout)
        except TimeoutError:
            await self._abort()
            raise BackendTimeout(f"QMP greeting not received within {timeout}s", timeout=timeout) from None
        except (ConnectError, QMPError, OSError, EOFError) as exc:
            await self._abort()
            raise BackendError(f"cannot connect to QMP at {_describe(where)}: {_cause(exc)}") from exc
        self._pump = asyncio.get_running_loop().create_task(self._run_pump(), name="hearth-qmp-events")

    async def _abort(self) -> None:
        with contextlib.suppress(Exception):
            await self._client.disconnect()

    @property
    def connected(self) -> bool:
        return self._pump is not None and not self._closed.is_set()

    @property
    def greeting(self) -> Mapping[str, Any]:
        """QEMU's greeting: version and the capabilities it offered."""
        g = self._client.greeting
        return g._asdict() if g is not None else {}

    @property
    def capabilities(self) -> list[str]:
        return list(self.greeting.get("QMP", {}).get("capabilities", []))

    @property
    def sent_commands(self) -> list[tuple[str, str]]:
        """(command, id) of the most recent commands sent on this session."""
        return list(self._client.sent)

    async def _run_pump(self) -> None:
        """Move events from the client's queue to subscribers until the session ends."""
        listener = self._client.events
        get_event = asyncio.ensure_future(listener.get())
        state_change = asyncio.ensure_future(self._client.runstate_changed())
        try:
            while True:
                done, _ = await asyncio.wait({get_event, state_change}, return_when=asyncio.FIRST_COMPLETED)
                if get_event in done:
                    event = Event.from_message(get_event.result())
                    for sub in list(self._subscriptions):
                        sub._deliver(event)
                    get_event = asyncio.ensure_future(listener.get())
                if state_change in done:
                    if self._client.runstate.name in ("DISCONNECTING", "IDLE"):
                        break
                    state_change = asyncio.ensure_future(self._client.runstate_changed())
            # Deliver what arrived before the hang-up (the SHUTDOWN that explains it).
            while not listener.empty():
                event = Event.from_message(await listener.get())
                for sub in list(self._subscriptions):
                    sub._deliver(event)
        finally:
            get_event.cancel()
            state_change.cancel()
            if self.disconnect_reason is None:
                self.disconnect_reason = "QEMU closed the monitor connection"
            self._closed.set()
            for sub in list(self._subscriptions):
                sub._deliver(None)
            with contextlib.suppress(Exception):
                await self._client.disconnect()

    async def wait_closed(self, timeout: float | None = None) -> bool:
        """Wait until the session ends (QEMU exited or we closed it); False on timeout."""
        try:
            await asyncio.wait_for(self._closed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """End the session; QEMU keeps running."""
        if self._pump is None:
            return
        self.disconnect_reason = self.disconnect_reason or "closed by client"
        with contextlib.suppress(Exception):
            await self._client.disconnect()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._pump, 5)

    # -- events ---------------------------------------------------------------------

    def subscribe(
        self,
        names: str | Iterable[str] | None = None,
        match: EventMatch = None,
        callback: Callable[[Event], None] | None = None,
    ) -> Subscription:
        """Receive matching events: via ``callback`` (run on the loop) or ``await sub.get()``."""
        sub = Subscription(self, _matcher(names, match), callback)
        if self._closed.is_set():
            sub._deliver(None)
        self._subscriptions.add(sub)
        return sub

    @contextlib.contextmanager
    def listen(self, names: str | Iterable[str] | None = None, match: EventMatch = None) -> Any:
        sub = self.subscribe(names, match)
        try:
            yield sub
        finally:
            sub.close()

    async def wait_event(
        self, names: str | Iterable[str], match: EventMatch = None, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Event:
        """The next matching event from now on."""
        with self.listen(names, match) as sub:
            event: Event = await sub.get(timeout)
            return event

    # -- commands -------------------------------------------------------------------

    async def execute(
        self,
        command: str,
        arguments: Mapping[str, Any] | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> Any:
        """Run one command and return its ``return`` value."""
        if not self.connected:
            raise InvalidState(f"QMP is not connected ({self.disconnect_reason or 'never connected'})")
        try:
            return await asyncio.wait_for(self._client.execute(command, arguments), timeout)
        except TimeoutError:
            raise BackendTimeout(
                f"QMP command {command} did not answer within {timeout}s", command=command
            ) from None
        except ExecuteError as exc:
            raise QMPCommandError(
                f"QEMU refused {command}: {exc.error.error.desc}",
                command=command,
                error_class=exc.error_class,
            ) from exc
        except ExecInterruptedError as exc:
            raise BackendError(f"QMP connection lost during {command}", command=command) from exc
        except QMPError as exc:
            raise BackendError(f"QMP {command} failed: {_cause(exc)}", command=command) from exc

    async def pass_fd(self, fd: int, name: str, timeout: float | None = DEFAULT_TIMEOUT) -> None:
        """Give QEMU a copy of descriptor ``fd`` under ``name`` (e.g. for ``netdev_add`` with
        ``fd=<name>``); the caller keeps and closes its own copy."""
        if not self.connected:
            raise InvalidState(f"QMP is not connected ({self.disconnect_reason or 'never connected'})")
        async with self._fd_lock:
            try:
                self._client.send_fd_scm(fd)
            except (QMPError, OSError) as exc:
                raise BackendError(f"cannot pass a descriptor to QEMU: {_cause(exc)}") from exc
            await self.execute("getfd", {"fdname": name}, timeout)

    async def execute_and_wait(
        self,
        command: str,
        arguments: Mapping[str, Any] | None,
        event: str | Iterable[str],
        match: EventMatch = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> tuple[Any, Event]:
        """Run a command and wait for the event that says it finished."""
        with self.listen(event, match) as sub:
            result = await self.execute(command, arguments, timeout)
            try:
                done: Event = await sub.get(timeout)
            except BackendTimeout:
                raise BackendTimeout(
                    f"{command} was accepted but {event} did not follow within {timeout}s",
                    command=command,
                    timeout=timeout,
                ) from None
            return result, done


def _describe(where: socket.socket | str | Path) -> str:
    return f"fd {where.fileno()}" if isinstance(where, socket.socket) else str(where)


def _cause(exc: BaseException) -> str:
    inner = getattr(exc, "exc", None)
    return f"{exc} ({inner})" if inner is not None else str(exc) or type(exc).__name__


__all__ = ["QMP", "Event", "QMPCommandError", "Subscription"]
