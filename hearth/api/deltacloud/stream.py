"""Bodies that are not held whole: a request body a handler reads itself (blob uploads), bounded
like /v1's upload routes, and a response streamed from a blob store as it is read.

The frontend reads ordinary bodies whole (they are small forms); a blob PUT or a multipart POST
is handed to its handler as a ``RequestBody`` instead, so gigabytes go to the store chunk by
chunk. The bound is checked twice, as the /v1 gate checks it: a declared Content-Length over it
is refused before a byte is read, and a chunked body is counted and cut off the moment it passes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from starlette.types import Receive, Send

from hearth.service.buckets import async_chunks

from .faults import DeltacloudError

log = logging.getLogger("hearth.api.deltacloud")


def too_large(limit: int) -> DeltacloudError:
    return DeltacloudError(413, f"the request body is larger than {limit} bytes, the bound for this route")


class RequestBody:
    """The request's body as chunks, read once, no more than ``limit`` bytes in all."""

    def __init__(self, receive: Receive, limit: int, declared: int | None) -> None:
        self._receive = receive
        self.limit = limit
        self.declared = declared
        self._taken = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._taken:
            raise RuntimeError("a request body is read once")
        self._taken = True
        if self.declared is not None and self.declared > self.limit:
            raise too_large(self.limit)
        total = 0
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                # Raised into the store's write, which then discards the partial blob.
                raise DeltacloudError(400, "the client went away before the request body ended")
            chunk: bytes = message.get("body", b"")
            total += len(chunk)
            if total > self.limit:
                raise too_large(self.limit)
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def read(self, limit: int) -> bytes:
        """The whole body, for the small ones (a segment manifest): at most ``limit`` bytes."""
        parts: list[bytes] = []
        size = 0
        async for chunk in self.chunks():
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            parts.append(chunk)
        return b"".join(parts)


async def send_stream(
    send: Send, status: int, headers: list[tuple[str, str]], chunks: Iterator[bytes], head: bool
) -> None:
    """Send ``chunks`` as the response body, read off the event loop one chunk ahead as /v1 reads
    it (``async_chunks``); the store's file is closed however the response ends. A failure once
    the head is sent can only cut the body short."""
    started = False
    body = None if head else async_chunks(chunks)
    try:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        started = True
        if body is not None:
            async for chunk in body:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except Exception:
        if not started:
            raise
        log.exception("a streamed Deltacloud response was cut short")
    finally:
        if body is not None:
            await body.aclose()  # waits for a read in flight, then closes the store's file
        close: Any = getattr(chunks, "close", None)
        if close is not None:
            close()
