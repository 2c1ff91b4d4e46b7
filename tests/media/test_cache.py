"""The content-addressed media cache against a real loopback HTTP (and FTP) server."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hearth.errors import BackendError, Conflict, ValidationError
from hearth.media.urls import url_key
from hearth.service.media.cache import MediaCache
from tests.media.conftest import FtpServer, build_iso
from tests.media.httpserver import RangeServer

MiB = 1 << 20


def random_iso(path: Path, size: int, volume_id: str = "CACHED") -> Path:
    """A real ISO followed by incompressible data, so hashes and resumes are meaningful."""
    build_iso(path, volume_id)
    with open(path, "ab") as fh:
        fh.write(os.urandom(size - path.stat().st_size))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_then_hit_fetches_nothing(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "a.iso", 6 * MiB)
    url = http.add("/a.iso", iso)
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    seen: list[tuple[int, int | None]] = []
    first = cache.fetch(url, user="vm1", progress=lambda d, t: seen.append((d, t)))
    assert not first.hit and first.downloaded == iso.stat().st_size
    assert Path(first.entry.path).read_bytes() == iso.read_bytes()
    assert first.entry.sha256 == sha(iso) and Path(first.entry.path).name == sha(iso)
    assert seen[-1] == (iso.stat().st_size, iso.stat().st_size)
    served = http.total_sent()
    second = cache.fetch(url, user="vm2")
    assert second.hit and second.downloaded == 0
    assert http.total_sent() == served  # the origin sent no body bytes for the second VM
    assert second.entry.users == ("vm1", "vm2")
    assert cache.entries()[0].urls == (url,)


def test_concurrent_requests_download_once(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "c.iso", 8 * MiB)
    url = http.add("/c.iso", iso)
    http.rate = 16 * MiB  # slow enough that all threads arrive during the download
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    results = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            results.append(cache.fetch(url, user=f"vm{i}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert http.total_sent() == iso.stat().st_size
    assert sum(r.downloaded for r in results) == iso.stat().st_size
    assert sorted(r.hit for r in results) == [False] + [True] * 5
    assert len(cache.entries()) == 1 and len(cache.entries()[0].users) == 6


def test_broken_transfers_resume_with_range(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "r.iso", 5 * MiB)
    url = http.add("/r.iso", iso)
    http.cut_after, http.cuts_left = 1_500_000, 3  # three connections die mid-body
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    got = cache.fetch(url)
    assert got.entry.sha256 == sha(iso)
    assert http.total_sent() == iso.stat().st_size  # every byte crossed the link exactly once
    ranges = [r for m, _, r in http.requests if m == "GET"]
    assert ranges[0] is None and ranges[1:] == ["bytes=1500000-", "bytes=3000000-", "bytes=4500000-"]


def test_a_crashed_download_resumes_in_a_new_process(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "k.iso", 6 * MiB)
    url = http.add("/k.iso", iso)
    http.rate = 4 * MiB
    script = (
        "import os, sys\n"
        "from hearth.service.media.cache import MediaCache\n"
        "def progress(done, total):\n"
        "    if done >= 2 * 1024 * 1024:\n"
        "        os._exit(9)\n"  # die like a killed server: no cleanup at all
        f"MediaCache({str(tmp_path / 'cache')!r}, 1 << 30).fetch({url!r}, progress=progress)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).parents[2], timeout=120, check=False
    )
    assert proc.returncode == 9
    cache = MediaCache(tmp_path / "cache", 1 << 30)
    kept = cache.partial_bytes(url)
    assert 0 < kept < iso.stat().st_size and cache.lookup(url) is None
    assert not any((tmp_path / "cache" / "objects").iterdir())  # nothing half-done is visible
    http.rate = None
    before = http.total_sent()
    got = cache.fetch(url)
    assert got.entry.sha256 == sha(iso)
    assert got.downloaded == iso.stat().st_size - kept
    assert http.total_sent() - before == iso.stat().st_size - kept
    assert cache.partial_bytes(url) == 0


def test_a_changed_origin_restarts_the_partial(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "v.iso", 3 * MiB)
    url = http.add("/v.iso", iso)
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    part = tmp_path / "cache" / "partial" / f"{url_key(url)}.part"
    part.write_bytes(b"stale bytes from another version")
    (part.with_suffix(".json")).write_text('{"size": 1, "validator": "old"}')
    got = cache.fetch(url)
    assert got.entry.sha256 == sha(iso) and got.downloaded == iso.stat().st_size


def test_sha256_is_verified(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "s.iso", 2 * MiB)
    url = http.add("/s.iso", iso)
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    with pytest.raises(BackendError, match="sha256"):
        cache.fetch(url, sha256="0" * 64)
    assert cache.entries() == [] and cache.partial_bytes(url) == 0
    assert cache.fetch(url, sha256=sha(iso).upper()).entry.sha256 == sha(iso)
    with pytest.raises(ValidationError, match="64 hexadecimal"):
        cache.fetch(url, sha256="abc")


def test_lru_eviction_spares_media_in_use(http: RangeServer, tmp_path: Path) -> None:
    cache = MediaCache(tmp_path / "cache", 10 * MiB)
    urls = [http.add(f"/{n}.iso", random_iso(tmp_path / f"{n}.iso", 3 * MiB, n.upper())) for n in "abcd"]
    a = cache.fetch(urls[0], user="vm-a").entry
    b = cache.fetch(urls[1]).entry
    c = cache.fetch(urls[2]).entry
    cache.fetch(urls[1])  # b is now more recently used than c
    d = cache.fetch(urls[3]).entry  # needs room: c (least recent, unused) goes; a is in use
    left = {e.sha256 for e in cache.entries()}
    assert left == {a.sha256, b.sha256, d.sha256}
    assert not Path(c.path).exists()
    assert cache.used_bytes() <= 10 * MiB
    cache.acquire(b.sha256, "vm-b")
    cache.acquire(d.sha256, "vm-d")
    with pytest.raises(Conflict, match="full"):
        cache.fetch(urls[2])  # everything left is in use
    cache.release(d.sha256, "vm-d")
    assert cache.fetch(urls[2]).downloaded > 0
    with pytest.raises(Conflict, match="in use"):
        cache.delete(a.sha256)
    cache.release_user("vm-a")
    cache.delete(a.sha256)
    with pytest.raises(ValidationError, match="larger than the whole cache"):
        MediaCache(tmp_path / "tiny", MiB).fetch(urls[0])


def test_two_urls_with_one_content_share_one_object(http: RangeServer, tmp_path: Path) -> None:
    iso = random_iso(tmp_path / "same.iso", 2 * MiB)
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    one = cache.fetch(http.add("/mirror1/same.iso", iso)).entry
    two = cache.fetch(http.add("/mirror2/same.iso", iso)).entry
    assert one.path == two.path and len(cache.entries()) == 1 and len(cache.entries()[0].urls) == 2


def test_ftp_origin_fills_the_cache(ftp: FtpServer, tmp_path: Path) -> None:
    root: Path = ftp.root  # type: ignore[attr-defined]
    iso = random_iso(root / "f.iso", 3 * MiB)
    cache = MediaCache(tmp_path / "cache", 100 * MiB)
    got = cache.fetch(ftp.url("f.iso", user="media:s3cret-pw"))
    assert got.entry.sha256 == sha(iso)
    assert all("s3cret" not in u for u in got.entry.urls)
    assert "s3cret" not in (tmp_path / "cache" / "index.json").read_text()
