"""A request body read whole from ASGI messages, under a bound — for the frontends served ahead
of FastAPI (``/ec2``, ``/api``), which have no Starlette ``Request`` to read it with."""

from __future__ import annotations

from starlette.types import Receive

__all__ = ["BodyTooLarge", "read_body"]


class BodyTooLarge(Exception):
    """The body passed its bound; what was read so far is dropped."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The body's bytes, stopping (``BodyTooLarge``) as soon as more than ``limit`` arrived, so a
    huge body is never held; a client gone midway gives what came before it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
