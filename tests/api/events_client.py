"""A test subscriber to /v1/events: reads the stream on a thread, notes when each event came."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Frame:
    kind: str
    data: dict[str, Any]
    id: int | None
    received: float  # time.time() when the frame was read


class Listener:
    """Follows ``/v1/events`` as ``auth`` until ``close``; ``frames`` fills as they come."""

    def __init__(
        self,
        url: str,
        auth: tuple[str, str],
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        self.frames: list[Frame] = []
        self.comments = 0
        self.ended = False
        self._cond = threading.Condition()
        self._client = httpx.Client(base_url=url, auth=auth, timeout=httpx.Timeout(30, read=60))
        self._request = self._client.build_request("GET", "/v1/events", headers=headers, params=params)
        self.response = self._client.send(self._request, stream=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind, data, ident = "message", "", None
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    with self._cond:
                        self.comments += 1
                        self._cond.notify_all()
                elif line.startswith("id: "):
                    ident = int(line[4:])
                elif line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif line == "" and data:
                    frame = Frame(kind, json.loads(data), ident, time.time())
                    with self._cond:
                        self.frames.append(frame)
                        self._cond.notify_all()
                    kind, data, ident = "message", "", None
        except (httpx.HTTPError, RuntimeError, ValueError):
            pass
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def wait(self, predicate: Callable[[Frame], bool], timeout: float = 10) -> Frame:
        """The first frame (seen so far or to come) that matches."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for f in self.frames:
                    if predicate(f):
                        return f
                left = deadline - time.monotonic()
                assert left > 0 and not self.ended, (
                    f"no such event; got {[(f.kind, f.data) for f in self.frames]}"
                )
                self._cond.wait(left)

    def wait_until(self, check: Callable[[Listener], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check(self):
                left = deadline - time.monotonic()
                assert left > 0, "the stream never got there"
                self._cond.wait(left)

    def state(self, instance_id: str, state: str, timeout: float = 10) -> Frame:
        """The frame telling that ``instance_id`` entered ``state``."""
        return self.wait(
            lambda f: f.data.get("instance_id") == instance_id and f.data.get("state") == state, timeout
        )

    def task(self, task_id: str, status: str) -> Frame:
        return self.wait(lambda f: f.data.get("task_id") == task_id and f.data.get("status") == status)

    def of(self, instance_id: str, kind: str = "instance.state") -> list[Frame]:
        with self._cond:
            return [f for f in self.frames if f.kind == kind and f.data.get("instance_id") == instance_id]

    def close(self) -> None:
        # Closing the response from another thread does not wake a read blocked in recv: shut
        # the socket down, as a client that goes away would.
        stream = self.response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.response.close()
        self._client.close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Listener:
        self.wait(lambda f: f.kind == "stream.open")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
