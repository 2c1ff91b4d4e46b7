"""The on-disk OS database cache: real osinfo-db, real files, fresh processes where it matters.

Each test points ``$HEARTH_CACHE_DIR`` at its own tmp directory.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hearth.errors import NotFound
from hearth.osinfo import OSDatabase, cache, codec, model
from hearth.osinfo.cache import CacheFile
from tests.osinfo.groundtruth import write_test_tree

CACHE_LOG = "hearth.osinfo"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(path))
    monkeypatch.delenv("HEARTH_OSINFO_CACHE", raising=False)
    return path


@pytest.fixture(scope="module")
def reference() -> OSDatabase:
    """The installed osinfo-db converted straight from libosinfo, no cache involved."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HEARTH_OSINFO_CACHE", "0")
        ref = OSDatabase()
    assert not ref.loaded_from_cache
    return ref


def cache_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("osinfo-*.jsonl"))


def python(code: str, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEARTH_CACHE_DIR": str(cache_dir)}
    env.pop("HEARTH_OSINFO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=True
    )


# --- the cache serves the same database ----------------------------------------------


def test_every_cached_os_equals_the_libosinfo_one(cache_dir: Path, reference: OSDatabase) -> None:
    building = OSDatabase()
    assert not building.loaded_from_cache and len(cache_files(cache_dir)) == 1
    cached = OSDatabase()
    assert cached.loaded_from_cache
    assert len(cached) == len(reference) > 700
    for ref in reference.list():
        got = cached.get(ref.short_id)
        assert got == ref, ref.short_id
        assert cached.get(ref.id) is got
        for alias in ref.short_ids:
            found = reference.find(alias)
            assert found is not None and cached.get(alias.upper()).short_id == found.short_id
    assert cached.list() == reference.list()
    assert cached.families == reference.families and cached.arches == reference.arches
    query = {"family": "winnt", "search": "windows 1"}
    assert cached.list(**query) == reference.list(**query)
    assert "WIN11" in cached and "nosuchos" not in cached


def test_unknown_id_from_the_cache_suggests_the_same(cache_dir: Path, reference: OSDatabase) -> None:
    OSDatabase()
    cached = OSDatabase()
    assert cached.loaded_from_cache
    with pytest.raises(NotFound) as from_cache:
        cached.get("ubuntu22.4")
    with pytest.raises(NotFound) as from_gi:
        reference.get("ubuntu22.4")
    assert from_cache.value.message == from_gi.value.message
    assert from_cache.value.details == from_gi.value.details


def test_cached_objects_keep_their_identity(cache_dir: Path) -> None:
    OSDatabase()
    cached = OSDatabase()
    jammy = cached.get("ubuntujammy")
    assert cached.get("UBUNTU22.04") is jammy and cached.get("http://ubuntu.com/ubuntu/22.04") is jammy
    assert next(o for o in cached.list() if o.short_id == "ubuntu22.04") is jammy


def test_threads_decoding_at_once_get_one_object_per_os(cache_dir: Path) -> None:
    OSDatabase()
    cached = OSDatabase()
    results: list[list[model.OS]] = []
    barrier = threading.Barrier(6)

    def work() -> None:
        barrier.wait()
        results.append(cached.list())

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6
    assert all(all(a is b for a, b in zip(r, results[0], strict=True)) for r in results)


def test_media_matching_loads_libosinfo_on_demand(cache_dir: Path) -> None:
    OSDatabase()
    cached = OSDatabase()
    match = cached.match_media("Debian 11.6.0 amd64 n")
    assert match is not None and match.os is cached.get("debian11") and match.media.arch == "x86_64"
    assert cached.loaded_from_cache


def test_codec_covers_every_model_field() -> None:
    for cls in (model.OS, model.Device, model.Resources, model.Firmware, model.Media):
        assert codec.FIELDS[cls.__name__] == tuple(f.name for f in dataclasses.fields(cls))


# --- no GObject on the hot path -------------------------------------------------------


def test_import_loads_neither_gi_nor_pycdlib(tmp_path: Path) -> None:
    out = python(
        "import sys, json, hearth.osinfo; print(json.dumps(['gi' in sys.modules, 'pycdlib' in sys.modules]))",
        tmp_path,
    )
    assert json.loads(out.stdout) == [False, False]


def test_fresh_process_with_a_warm_cache_never_imports_gi(cache_dir: Path) -> None:
    code = (
        "import sys, json\n"
        "from hearth.osinfo import OSDatabase\n"
        "db = OSDatabase()\n"
        "os = db.get('debian11')\n"
        "print(json.dumps({'gi': 'gi' in sys.modules, 'cached': db.loaded_from_cache, 'name': os.name,\n"
        "                  'ram': os.resources('recommended', 'x86_64').ram_bytes}))\n"
    )
    cold = json.loads(python(code, cache_dir).stdout)
    assert cold["gi"] is True and cold["cached"] is False
    warm = json.loads(python(code, cache_dir).stdout)
    assert warm == {**cold, "gi": False, "cached": True}
    assert warm["name"] == "Debian 11"


# --- invalidation ---------------------------------------------------------------------


def test_a_changed_tree_is_seen_and_replaces_the_old_cache(cache_dir: Path, tmp_path: Path) -> None:
    tree = write_test_tree(tmp_path / "tree")
    assert not OSDatabase(tree).loaded_from_cache
    first = cache_files(cache_dir)
    warm = OSDatabase(tree)
    assert warm.loaded_from_cache and warm.get("hparent").name == "Hearth Parent"
    assert "hextra" not in warm

    parent = tree / "os" / "hearth.test" / "os-parent.xml"
    parent.write_text(parent.read_text().replace("Hearth Parent", "Hearth Parent, renamed"))
    extra = tree / "os" / "hearth.test" / "os-extra.xml"
    extra.write_text(
        '<?xml version="1.0"?>\n<libosinfo version="0.0.1">\n'
        '  <os id="http://hearth.test/os/extra"><short-id>hextra</short-id><name>Extra</name>'
        "<family>linux</family></os>\n</libosinfo>\n"
    )
    changed = OSDatabase(tree)
    assert not changed.loaded_from_cache
    assert changed.get("hparent").name == "Hearth Parent, renamed"
    assert changed.get("hextra").name == "Extra"
    second = cache_files(cache_dir)
    assert len(first) == len(second) == 1 and first != second  # the old one is gone

    again = OSDatabase(tree)
    assert again.loaded_from_cache
    assert again.get("hparent").name == "Hearth Parent, renamed" and "hextra" in again


def test_a_file_in_the_user_dir_changes_the_fingerprint(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "user-osinfo"
    monkeypatch.setenv("OSINFO_USER_DIR", str(user))
    before = CacheFile.for_data(None).path
    write_test_tree(user)
    after = CacheFile.for_data(None).path
    assert before != after and before.parent == after.parent == cache_dir


def test_a_database_imported_into_the_local_dir_is_served_through_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What osinfo-db-import --local writes (/etc/osinfo, here a stand-in) must reach the CLI."""
    local = tmp_path / "local-osinfo"
    local.mkdir()
    monkeypatch.setenv("OSINFO_LOCAL_DIR", str(local))
    before = OSDatabase()
    assert "hparent" not in before and "debian11" in before
    assert OSDatabase().loaded_from_cache
    write_test_tree(local)
    after = OSDatabase()
    assert not after.loaded_from_cache  # the fingerprint saw the import
    assert after.get("hchild-alias").name == "Hearth Child" and "debian11" in after
    assert len(after) == len(before) + 4
    assert OSDatabase().loaded_from_cache and "hgrandchild" in OSDatabase()
    assert len(cache_files(cache_dir)) == 1


def test_a_changed_libosinfo_makes_the_cache_stale(
    cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = write_test_tree(tmp_path / "tree")
    built = OSDatabase(tree)
    library = tmp_path / "libosinfo-1.0.so.fake"
    library.write_bytes(b"v1")
    store = CacheFile.for_data(tree)
    assert store.save(built.list(), built.arches, [str(library)])
    assert store.load() is not None
    library.write_bytes(b"v2, a different size")
    with caplog.at_level(logging.INFO, logger=CACHE_LOG):
        assert store.load() is None
    assert "out of date" in caplog.text and str(library) in caplog.text


# --- damaged or foreign cache files ---------------------------------------------------


def _garbage(data: bytes) -> bytes:
    return b"\x00\xffnot json at all\n" + data[:100]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _other_fingerprint(data: bytes) -> bytes:
    head, rest = data.split(b"\n", 1)
    doc = json.loads(head)
    doc["fingerprint"] = "0" * 64
    return json.dumps(doc).encode() + b"\n" + rest


def _edited_index(data: bytes) -> bytes:
    return data.replace(b'"Hearth Child"', b'"Hearth Chile"', 1)


@pytest.mark.parametrize("damage", [_garbage, _truncated, _other_fingerprint, _edited_index])
def test_a_damaged_cache_file_is_rebuilt(
    cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: Callable[[bytes], bytes]
) -> None:
    tree = write_test_tree(tmp_path / "tree")
    OSDatabase(tree)
    (path,) = cache_files(cache_dir)
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger=CACHE_LOG):
        rebuilt = OSDatabase(tree)
    assert not rebuilt.loaded_from_cache
    assert rebuilt.get("hchild").name == "Hearth Child"
    assert [r.levelname for r in caplog.records] == ["WARNING"] and str(path) in caplog.text
    healed = OSDatabase(tree)
    assert healed.loaded_from_cache and healed.get("hchild").name == "Hearth Child"


def test_a_damaged_os_line_is_caught_when_that_os_is_read(
    cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = write_test_tree(tmp_path / "tree")
    OSDatabase(tree)
    (path,) = cache_files(cache_dir)
    head, index, body = path.read_bytes().split(b"\n", 2)
    # Still valid JSON of the right shape: only the digest can tell.
    forged = body.replace(b'"Hearth Parent"', b'"Hearth Parens"', 1)
    assert forged != body
    path.write_bytes(b"\n".join([head, index, forged]))
    db = OSDatabase(tree)
    assert db.loaded_from_cache  # head and index are intact
    sibling = db.get("hclone")
    with caplog.at_level(logging.WARNING, logger=CACHE_LOG):
        parent = db.get("hparent")
    assert parent.name == "Hearth Parent"
    assert not db.loaded_from_cache
    assert db.get("hclone") is sibling  # objects already handed out stay the same
    assert "unusable" in caplog.text and "hparent" in caplog.text
    assert OSDatabase(tree).loaded_from_cache


def test_a_cache_file_others_may_write_is_not_trusted(
    cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = write_test_tree(tmp_path / "tree")
    OSDatabase(tree)
    (path,) = cache_files(cache_dir)
    path.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger=CACHE_LOG):
        assert not OSDatabase(tree).loaded_from_cache
    assert "others may write it" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- where and how it is written -------------------------------------------------------


def test_the_cache_is_private_and_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(nested))
    OSDatabase(write_test_tree(tmp_path / "tree"))
    (path,) = cache_files(nested)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for level in (nested, nested.parent, nested.parent.parent):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700, level
    assert sorted(p.name for p in nested.iterdir()) == [path.name]  # no temp file left behind
    for line in path.read_bytes().splitlines():
        json.loads(line)  # JSON Lines, nothing else


def test_an_unwritable_cache_dir_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(blocker / "cache"))
    tree = write_test_tree(tmp_path / "tree")
    with caplog.at_level(logging.WARNING, logger=CACHE_LOG):
        first = OSDatabase(tree)
        second = OSDatabase(tree)
    assert not first.loaded_from_cache and not second.loaded_from_cache
    assert second.get("hgrandchild").name == "Hearth Grandchild"
    assert "cannot write the osinfo cache" in caplog.text
    assert blocker.read_text() == "not a directory\n"


def test_the_switch_bypasses_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_test_tree(tmp_path / "tree")
    monkeypatch.setenv("HEARTH_OSINFO_CACHE", "0")
    assert not OSDatabase(tree).loaded_from_cache
    assert not cache_dir.exists()  # nothing written either
    monkeypatch.setenv("HEARTH_OSINFO_CACHE", "1")
    OSDatabase(tree)
    assert OSDatabase(tree).loaded_from_cache
    monkeypatch.setenv("HEARTH_OSINFO_CACHE", "0")
    assert not OSDatabase(tree).loaded_from_cache  # not even read


def test_the_cache_dir_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEARTH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "hearth"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "hearth"
    monkeypatch.setenv("HEARTH_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache.cache_dir() == tmp_path / "explicit"


def test_writing_clears_only_dead_leftovers(cache_dir: Path, tmp_path: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    dead, live, foreign = (
        cache_dir / ".osinfo-dead.tmp",
        cache_dir / ".osinfo-live.tmp",
        cache_dir / "notes.txt",
    )
    for path in (dead, live, foreign):
        path.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(dead, (two_days_ago, two_days_ago))
    OSDatabase(write_test_tree(tmp_path / "tree"))
    assert not dead.exists() and live.exists() and foreign.exists()
    assert len(cache_files(cache_dir)) == 1
