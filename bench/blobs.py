"""Blob PUT and GET through the real HTTP server's /api vs ``dd`` on the same disk, one run.

A uvicorn child serves the mock backend with its local blob store in a scratch directory; the
client streams a blob of ``HEARTH_BENCH_BLOB_MB`` MiB (default 2048) up with chunked PUT, then
streams it back with GET. ``dd`` then writes the same amount into the same directory with
``conv=fdatasync`` (the store fsyncs before publishing, so both include the flush) and reads it
back; before each read the file is evicted from the page cache (``POSIX_FADV_DONTNEED``), so
both reads come from the disk. The server reports its own peak RSS (VmHWM) when it exits, so
the figure is the server alone: opened as ``hearth serve`` opens it, its store is migrated and
seeded by a short-lived child process (``hearth.cli.child``) that has exited before the server
listens, and is not counted. The figure includes one login's scrypt check (16 MiB while it
runs). Headline last: peak_rss_mb. Usage: ``python bench/blobs.py [MiB]``.
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
CHUNK = 1 << 20
ACCEPT = "Accept: application/xml"  # an API client's (curl's */* is a browser's HTML on /api)

# The server as ``hearth serve`` opens and runs it, without the test harness (pytest and httpx are
# not the server's memory).
SERVER = """
import socket, sys, threading
sys.path.insert(0, {root!r})
from pathlib import Path
import uvicorn
from hearth.api import create_app
from hearth.cli.allocator import release_free_memory
from hearth.cli.serve import WS_IMPL, open_server_service
from hearth.service import load_config
service = open_server_service(load_config(None).with_overrides(state_dir=Path({work!r})))
sock = socket.socket(); sock.bind(("127.0.0.1", 0))
config = uvicorn.Config(
    create_app(service), http={http!r}, loop={loop!r}, ws=WS_IMPL, log_level="warning",
    access_log=False, lifespan="off",
)
server = uvicorn.Server(config)
release_free_memory()
thread = threading.Thread(target=server.run, kwargs={{"sockets": [sock]}}, daemon=True)
thread.start()
while not server.started:
    pass
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(sock.getsockname()[1], rss, flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
server.should_exit = True
thread.join(timeout=30)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(hwm, flush=True)
"""


def drop_cache(path: Path) -> None:
    """Evict a written, flushed file from the page cache, so the next read comes from disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def dd_seconds(directory: Path, size: int) -> tuple[float, float]:
    target = directory / "dd.tmp"
    count = f"count={size >> 20}"
    start = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", count, "conv=fdatasync"],
        check=True,
        capture_output=True,
    )
    wrote = time.perf_counter() - start
    drop_cache(target)
    start = time.perf_counter()
    subprocess.run(["dd", f"if={target}", "of=/dev/null", "bs=1M"], check=True, capture_output=True)
    read = time.perf_counter() - start
    target.unlink()
    return wrote, read


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(root: Path, size: int, http: str, loop: str) -> dict[str, float]:
    """One server (the tree at ``root``, uvicorn's ``http``/``loop``): PUT and GET seconds (wall
    and the server's CPU), its idle and peak RSS in KiB."""
    import httpx

    work = Path(tempfile.mkdtemp(prefix="hearth-bench-blobs-", dir=os.environ.get("TMPDIR", "/var/tmp")))
    env = {**os.environ, "HEARTH_BLOBS_DIR": str(work / "blobs")}
    code = SERVER.format(root=str(root), work=str(work), http=http, loop=loop)
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        port, idle_kib = (int(v) for v in server.stdout.readline().split())
        from hearth.store.demo import DEMO_USER

        auth = (DEMO_USER.name, DEMO_USER.password)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=auth, timeout=600) as client:
            made = client.post("/api/buckets", data={"name": "bench"}, headers={"accept": "application/xml"})
            made.raise_for_status()
        # Deltacloud's API, as a Deltacloud client stores a blob (/v1 shares the service path).
        url = f"http://127.0.0.1:{port}/api/buckets/bench/big"
        user = f"{auth[0]}:{auth[1]}"
        curl = ["curl", "-sSf", "-u", user, "-H", ACCEPT]
        # curl is the client (C, no Python on the client side to share the 2 cores with the server).
        cpu = cpu_seconds(server.pid)
        start = time.perf_counter()
        feed = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
        subprocess.run([*curl, "-T", "-", "-o", "/dev/null", url], stdin=feed.stdout, check=True)
        feed.wait()
        put = time.perf_counter() - start
        put_cpu = cpu_seconds(server.pid) - cpu
        for data in (work / "blobs").rglob("*.data"):
            drop_cache(data)  # GET reads the disk, as dd's read does below
        cpu = cpu_seconds(server.pid)
        start = time.perf_counter()
        got = int(
            subprocess.run(
                [*curl, "-o", "/dev/null", "-w", "%{size_download}", url + "/content"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        get = time.perf_counter() - start
        get_cpu = cpu_seconds(server.pid) - cpu
        if got != size:
            raise SystemExit(f"GET returned {got} bytes, expected {size}")
        server.stdin.close()
        hwm_kib = int(server.stdout.readline())
        server.wait(timeout=30)
        return {
            "put": put,
            "get": get,
            "put_cpu": put_cpu,
            "get_cpu": get_cpu,
            "idle_kib": idle_kib,
            "hwm_kib": hwm_kib,
        }
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


def configurations() -> list[tuple[str, str]]:
    """``$HEARTH_BENCH_BLOB_SERVERS`` (``http/loop`` pairs, space-separated, e.g. ``h11/asyncio
    httptools/uvloop``), else what ``hearth serve`` runs; the last one gives the headline."""
    from hearth.cli.serve import HTTP_IMPL, LOOP_IMPL

    spec = os.environ.get("HEARTH_BENCH_BLOB_SERVERS", f"{HTTP_IMPL}/{LOOP_IMPL}")
    return [(pair.split("/")[0], pair.split("/")[1]) for pair in spec.split()]


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("HEARTH_BENCH_BLOB_MB", "2048"))
    size = mib << 20
    sys.path.insert(0, str(ROOT))
    results = [(http, loop, measure(ROOT, size, http, loop)) for http, loop in configurations()]
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-dd-", dir=os.environ.get("TMPDIR", "/var/tmp")))
    try:
        dd_write, dd_read = dd_seconds(work, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mb = size / 1e6
    print(f"blob_bytes={size}")
    print(f"dd_write_mb_s={mb / dd_write:.1f}")
    print(f"dd_read_mb_s={mb / dd_read:.1f}")
    for http, loop, r in results:
        tag = "" if len(results) == 1 else f"{http}_{loop}_"
        print(f"{tag}put_mb_s={mb / r['put']:.1f}")
        print(f"{tag}get_mb_s={mb / r['get']:.1f}")
        print(f"{tag}put_ratio_to_disk={dd_write / r['put']:.2f}")
        print(f"{tag}get_ratio_to_disk={dd_read / r['get']:.2f}")
        # Server CPU seconds per GiB moved: steadier than the rates on a shared machine.
        print(f"{tag}put_server_cpu_s_per_gib={r['put_cpu'] / (size / (1 << 30)):.2f}")
        print(f"{tag}get_server_cpu_s_per_gib={r['get_cpu'] / (size / (1 << 30)):.2f}")
        print(f"{tag}idle_rss_mb={r['idle_kib'] / 1024:.1f}")
    for http, loop, r in results:  # the headline (the last configuration's) last
        tag = "" if len(results) == 1 else f"{http}_{loop}_"
        print(f"{tag}peak_rss_mb={r['hwm_kib'] / 1024:.1f}")


if __name__ == "__main__":
    main()
