"""The bridges between the event loop and a blob store's blocking reads and writes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

from hearth.service.buckets import HANDOFF, async_chunks, sync_chunks


class Source:
    """A store's read iterator that records which thread read each chunk and whether it closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.threads: list[int] = []
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        self.threads.append(threading.get_ident())
        if not self.chunks:
            raise StopIteration
        return self.chunks.pop(0)

    def close(self) -> None:
        self.closed = True


def test_async_chunks_yields_every_chunk_in_order_read_off_the_loop_and_closes_the_source() -> None:
    source = Source([b"a" * 10, b"b" * 20, b"c"])

    async def drain() -> list[bytes]:
        return [chunk async for chunk in async_chunks(source)]

    assert asyncio.run(drain()) == [b"a" * 10, b"b" * 20, b"c"]
    assert threading.get_ident() not in source.threads  # the event loop never blocked on a read
    assert source.closed


def test_async_chunks_closes_the_source_when_the_client_goes_away_midway() -> None:
    source = Source([b"x"] * 100)

    async def first_two() -> list[bytes]:
        stream = async_chunks(source)
        got = [await anext(stream), await anext(stream)]
        await stream.aclose()  # what Starlette does when the client disconnects
        return got

    assert asyncio.run(first_two()) == [b"x", b"x"]
    assert source.closed
    assert len(source.chunks) >= 100 - 3  # at most one chunk read ahead of what was sent


def test_sync_chunks_hands_a_request_body_to_a_thread_in_batches_of_about_handoff_bytes() -> None:
    piece = b"p" * (64 << 10)
    count = 3 * HANDOFF // len(piece) + 1

    async def body() -> AsyncIterator[bytes]:
        for _ in range(count):
            yield piece

    async def run() -> list[int]:
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(lambda: [len(c) for c in sync_chunks(body(), loop)])

    sizes = asyncio.run(run())
    assert sum(sizes) == count * len(piece)
    assert sizes[:3] == [HANDOFF] * 3 and sizes[3] == len(piece)
