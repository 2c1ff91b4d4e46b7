"""glibc's malloc held to one arena in the server, so streamed blobs do not leave RSS behind,
and what starting up freed handed back before serving.

glibc gives each thread that allocates its own arena (up to 8 per core) and keeps freed memory
in every one of them. A blob streams in 1 MiB pieces read or written on worker threads (the
request's thread, ``asyncio.to_thread``'s), so each of those threads' arenas comes to hold a
few MiB that is never handed back: bench/blobs.py measured the server's peak at ~30 MiB over
idle for a 1 GiB PUT and GET, ~8 MiB with one arena, at the same throughput (the threads take
turns on the GIL anyway, so they hardly contend for the arena's lock). ``MALLOC_ARENA_MAX`` in
the environment would do the same, but only if set before the process starts; ``mallopt`` does
it from inside, for every thread made after the call.

Its thresholds are pinned too. glibc moves them as the program runs: freeing a large block that
was mapped on its own raises the mmap threshold to that block's size (and the trim threshold to
twice it), so after the first login's scrypt check (one 16 MiB block) the next ones come from the
heap and stay there, freed but kept: bench/blobs.py measured the server's peak 16 MiB higher
once a verdict had expired and been checked again. Pinned, a scrypt block is always mapped and
handed back when freed, while a blob's 1 MiB chunks still recycle within the heap.
"""

from __future__ import annotations

import ctypes

__all__ = ["limit_arenas", "pin_thresholds", "release_free_memory"]

# glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

MMAP_THRESHOLD = 4 << 20  # blocks from here up are mapped on their own (a scrypt check's 16 MiB)
TRIM_THRESHOLD = 4 << 20  # free heap kept at its top: a few of a blob's chunks in flight


def limit_arenas(count: int = 1) -> bool:
    """Cap glibc's malloc at ``count`` arenas; call before the server starts its threads.

    True if it took effect; False where the C library is not glibc (no ``mallopt``, or it
    refuses), which changes nothing but the memory figure."""
    return _mallopt(_M_ARENA_MAX, count)


def pin_thresholds(mmap: int = MMAP_THRESHOLD, trim: int = TRIM_THRESHOLD) -> bool:
    """Fix glibc's mmap and trim thresholds (bytes), so that they no longer grow with the
    largest block freed so far. True if both took effect; False where the C library is not
    glibc, which changes nothing but the memory figure."""
    return _mallopt(_M_MMAP_THRESHOLD, mmap) & _mallopt(_M_TRIM_THRESHOLD, trim)


def _mallopt(param: int, value: int) -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(param, value))


def release_free_memory() -> bool:
    """Hand the heap's free pages back to the kernel (``malloc_trim``); call once started.

    Starting frees more than it keeps (the routes' schemas, the SQL compiled once; migrating is
    done in a child process), and glibc keeps what lies below the heap's top: it was ~13 MiB of
    an idle server's RSS (bench/blobs.py's idle figure). False where the C library has no
    ``malloc_trim`` or nothing was released."""
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))
