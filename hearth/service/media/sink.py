"""Copy a download to disk while hashing it, on two worker threads fed from a ring of buffers.

Receiving, writing and SHA-256 each cost about the same per byte and all three release the
GIL, so doing them side by side instead of in turn is what lets a cache fill keep up with the
disk. The network is read with ``readinto`` into a handful of reused 1 MiB buffers: no
per-chunk allocation, few wake-ups, and memory fixed at RING x BUF however large the file.
The file is always a prefix of the body (one writer, in order), so an interruption at any
point leaves a resumable partial.
"""

from __future__ import annotations

import mmap
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

BUF = 1 << 20
RING = 8
ALIGN = 4096  # O_DIRECT needs offset, length and buffer address aligned to the block size

ReadInto = Callable[[memoryview], int]


class _Worker(threading.Thread):
    def __init__(self, work: Callable[[memoryview], None], release: Callable[[int], None]) -> None:
        super().__init__(daemon=True)
        self.work, self.release = work, release
        self.jobs: queue.Queue[tuple[int, memoryview] | None] = queue.Queue()
        self.error: BaseException | None = None

    def run(self) -> None:
        while (job := self.jobs.get()) is not None:
            index, view = job
            if self.error is None:
                try:
                    self.work(view)
                except BaseException as exc:
                    self.error = exc
            self.release(index)  # always: the reader must never wait on a dead worker


def open_direct(path: str | os.PathLike[str]) -> int | None:
    """A second, O_DIRECT descriptor of ``path`` for aligned writes; None where the file system refuses.

    Writing around the page cache saves the copy into it -- on a busy two-core host that copy
    was the largest cost of a cache fill -- and leaves the cache to what guests read.
    """
    try:
        return os.open(path, os.O_WRONLY | os.O_DIRECT | os.O_CLOEXEC)
    except (OSError, AttributeError):
        return None


def _fill(readinto: ReadInto, view: memoryview) -> int:
    """Read until ``view`` is full or the body ends: whole buffers keep direct writes aligned."""
    got = 0
    while got < len(view):
        n = readinto(view[got:])
        if not n:
            break
        got += n
    return got


def pump(
    readinto: ReadInto,
    fd: int,
    offset: int,
    digest: Any,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    direct_fd: int | None = None,
) -> int:
    """Read until EOF (or ``limit`` bytes), appending at ``offset`` and hashing; returns bytes copied.

    Aligned pieces go through ``direct_fd`` when given, the rest through ``fd``. A read error
    propagates after everything read before it is written and hashed.
    """
    buffers = [mmap.mmap(-1, BUF) for _ in range(RING)]  # page-aligned, as O_DIRECT wants
    free: queue.Queue[int] = queue.Queue()
    for i in range(RING):
        free.put(i)
    pending = [0] * RING
    lock = threading.Lock()

    def release(index: int) -> None:
        with lock:
            pending[index] -= 1
            if pending[index] == 0:
                free.put(index)

    position = offset

    def write(view: memoryview) -> None:
        nonlocal position
        while view:
            aligned = position % ALIGN == 0 and len(view) % ALIGN == 0
            n = os.pwrite(direct_fd if aligned and direct_fd is not None else fd, view, position)
            position += n
            view = view[n:]

    workers = [_Worker(write, release), _Worker(digest.update, release)]
    for w in workers:
        w.start()
    copied = 0
    try:
        while limit is None or copied < limit:
            index = free.get()
            if any(w.error for w in workers):
                break
            want = BUF - (offset + copied) % BUF  # after a resume, realign to whole buffers
            if limit is not None:
                want = min(want, limit - copied)
            view = memoryview(buffers[index])[:want]
            n = _fill(readinto, view)
            if not n:
                free.put(index)
                break
            pending[index] = len(workers)
            for w in workers:
                w.jobs.put((index, view[:n]))
            copied += n
            if progress is not None:
                progress(copied)
    finally:
        for w in workers:
            w.jobs.put(None)
        for w in workers:
            w.join()
    for w in workers:
        if w.error is not None:
            raise w.error
    return copied
