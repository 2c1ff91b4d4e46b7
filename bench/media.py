"""Media cache fill from a loopback HTTP server vs ``dd`` writing to the same disk, one run.

A 2 GiB image (sparse on the server side: its bytes cost no disk there) is fetched into a
fresh cache by a child process, which reports its own peak RSS, so the figure is the filling
process alone. ``dd`` writes the same amount with ``conv=fdatasync`` into the same directory;
the cache fsyncs before publishing, so both include the flush. Headline last: peak_rss_mb.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = 2 << 30

SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.media.httpserver import RangeServer
server = RangeServer().start()
server.add("/big.iso", Path({image!r}))
print(server.port, flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
server.stop()
"""

FILL = """
import sys, time
sys.path.insert(0, {root!r})
from hearth.service.media.cache import MediaCache
cache = MediaCache({cache!r}, 4 << 30)
start = time.perf_counter()
got = cache.fetch({url!r})
elapsed = time.perf_counter() - start
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(elapsed, got.downloaded, hwm)
"""


def dd_seconds(directory: Path) -> float:
    target = directory / "dd.tmp"
    start = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={SIZE >> 20}", "conv=fdatasync"],
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def sha256_seconds(size: int = 256 << 20) -> float:
    """Hashing alone, for context: content addressing costs at least this per byte."""
    import hashlib

    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    start = time.perf_counter()
    for _ in range(size >> 20):
        digest.update(block)
    return (time.perf_counter() - start) * (SIZE / size)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-media-", dir=os.environ.get("TMPDIR", "/var/tmp")))
    server = None
    try:
        sys.path.insert(0, str(ROOT))
        from tests.media.conftest import build_iso

        image = build_iso(work / "big.iso", "BENCH", pad_to=SIZE)
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER.format(root=str(ROOT), image=str(image))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/big.iso"
        fill = subprocess.run(
            [sys.executable, "-c", FILL.format(root=str(ROOT), cache=str(work / "cache"), url=url)],
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed, downloaded, hwm_kib = fill.stdout.split()
        if int(downloaded) != SIZE:
            raise SystemExit(f"cache fill took {downloaded} bytes, expected {SIZE}")
        shutil.rmtree(work / "cache")
        dd = dd_seconds(work)
        fill_mb_s = SIZE / float(elapsed) / 1e6
        dd_mb_s = SIZE / dd / 1e6
        print(f"image_bytes={SIZE}")
        print(f"dd_write_mb_s={dd_mb_s:.1f}")
        print(f"sha256_only_mb_s={SIZE / sha256_seconds() / 1e6:.1f}")
        print(f"cache_fill_mb_s={fill_mb_s:.1f}")
        print(f"ratio_to_disk={fill_mb_s / dd_mb_s:.2f}")
        print(f"peak_rss_mb={int(hwm_kib) / 1024:.1f}")
    finally:
        if server is not None:
            if server.stdin is not None:
                server.stdin.close()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
