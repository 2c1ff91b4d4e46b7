"""The local blob store: names, streaming, crash safety, segmented upload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers.blobs import LocalBlobStore
from hearth.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    s = LocalBlobStore(tmp_path / "blobs")
    s.create_bucket("bkt1", "u1")
    return s


def test_a_blob_put_in_chunks_comes_back_whole_with_its_size_and_metadata(store: LocalBlobStore) -> None:
    info = store.put("bkt1", "dir/a.txt", iter([b"hello ", b"world"]), {"Color": "red"}, "text/plain")
    assert (info.size, info.meta, info.content_type) == (11, {"color": "red"}, "text/plain")
    head, chunks = store.open("bkt1", "dir/a.txt")
    assert b"".join(chunks) == b"hello world"
    assert head.size == 11
    assert [b.name for b in store.list_blobs("bkt1")] == ["dir/a.txt"]


def test_a_name_and_a_name_below_it_are_both_blobs(store: LocalBlobStore) -> None:
    store.put("bkt1", "a", [b"1"])
    store.put("bkt1", "a/b", [b"2"])
    assert [b.name for b in store.list_blobs("bkt1")] == ["a", "a/b"]


def test_metadata_can_be_replaced_without_touching_the_bytes(store: LocalBlobStore) -> None:
    store.put("bkt1", "x", [b"abc"], {"k": "v"})
    assert store.set_meta("bkt1", "x", {"n": "2"}).meta == {"n": "2"}
    info, chunks = store.open("bkt1", "x")
    assert (info.meta, b"".join(chunks)) == ({"n": "2"}, b"abc")


@pytest.mark.parametrize("bad", ["../etc", "a/../../b", "/abs", "a//b", ".", "nul\x00", "back\\slash", ""])
def test_a_blob_name_that_could_leave_its_bucket_is_refused_by_name(store: LocalBlobStore, bad: str) -> None:
    with pytest.raises(ValidationError, match="invalid blob name"):
        store.put("bkt1", bad, [b"x"])


@pytest.mark.parametrize("bad", ["..", "../x", "a/b", "UPPER", "ab", ".hidden", "x" * 64])
def test_a_bad_bucket_name_is_refused_naming_it(store: LocalBlobStore, bad: str) -> None:
    with pytest.raises(ValidationError, match="invalid bucket name"):
        store.create_bucket(bad, "u1")


def test_buckets_record_their_owner_and_a_taken_name_conflicts(store: LocalBlobStore) -> None:
    assert store.bucket_owner("bkt1") == "u1"
    with pytest.raises(Conflict):
        store.create_bucket("bkt1", "u2")
    assert store.list_buckets() == [("bkt1", "u1")]


def test_a_bucket_with_blobs_cannot_be_deleted_until_emptied(store: LocalBlobStore) -> None:
    store.put("bkt1", "x", [b"1"])
    with pytest.raises(Conflict, match="not empty"):
        store.delete_bucket("bkt1")
    store.delete("bkt1", "x")
    store.delete_bucket("bkt1")
    with pytest.raises(NotFound):
        store.bucket_owner("bkt1")


def test_a_put_that_fails_midway_leaves_the_old_blob_and_no_leftovers(store: LocalBlobStore) -> None:
    store.put("bkt1", "x", [b"old"])

    def broken() -> Iterator[bytes]:
        yield b"new" * 1000
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        store.put("bkt1", "x", broken())
    _, chunks = store.open("bkt1", "x")
    assert b"".join(chunks) == b"old"
    assert list((store.root / "bkt1" / "tmp").iterdir()) == []


def test_a_reader_keeps_its_bytes_while_the_blob_is_overwritten(store: LocalBlobStore) -> None:
    store.put("bkt1", "x", [b"A" * 3_000_000])
    _, chunks = store.open("bkt1", "x")
    store.put("bkt1", "x", [b"B"])
    assert b"".join(chunks) == b"A" * 3_000_000


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from hearth.drivers.blobs import LocalBlobStore
    store = LocalBlobStore(sys.argv[1])
    def chunks():
        while True:
            yield b"N" * 65536
            print("writing", flush=True)
            time.sleep(0.01)
    store.put("bkt1", "x", chunks())
    """
)


def test_a_put_killed_midway_never_shows_a_half_blob_and_is_swept_on_reopen(store: LocalBlobStore) -> None:
    store.put("bkt1", "x", [b"old"])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(store.root)], stdout=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    for _ in range(5):
        assert proc.stdout.readline() == b"writing\n"
    assert any((store.root / "bkt1" / "tmp").iterdir())  # the half-written file exists, unseen
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    info, chunks = store.open("bkt1", "x")
    assert (info.size, b"".join(chunks)) == (3, b"old")
    assert [b.name for b in store.list_blobs("bkt1")] == ["x"]
    reopened = LocalBlobStore(store.root)
    assert list((reopened.root / "bkt1" / "tmp").iterdir()) == []
    assert len(list((reopened.root / "bkt1" / "blobs").glob("*.data"))) == 1


def test_a_segmented_upload_joins_its_segments_in_manifest_order(store: LocalBlobStore) -> None:
    up = store.begin_upload("bkt1", "big")
    s2 = store.put_segment("bkt1", up, 2, [b"world"])
    s1 = store.put_segment("bkt1", up, 1, [b"hello ", b""])
    info = store.finish_upload("bkt1", up, [s1, s2], {"a": "b"})
    assert (info.name, info.size, info.meta) == ("big", 11, {"a": "b"})
    assert b"".join(store.open("bkt1", "big")[1]) == b"hello world"
    assert store.list_uploads("bkt1") == []


def test_an_aborted_upload_leaves_nothing_and_is_gone(store: LocalBlobStore) -> None:
    up = store.begin_upload("bkt1", "big")
    store.put_segment("bkt1", up, 1, [b"x"])
    store.abort_upload("bkt1", up)
    assert store.list_uploads("bkt1") == []
    assert store.list_blobs("bkt1") == []
    with pytest.raises(NotFound):
        store.put_segment("bkt1", up, 2, [b"y"])


def test_a_manifest_naming_a_foreign_segment_is_refused(store: LocalBlobStore) -> None:
    up = store.begin_upload("bkt1", "big")
    store.put_segment("bkt1", up, 1, [b"x"])
    with pytest.raises(ValidationError, match="not part of upload"):
        store.finish_upload("bkt1", up, ["../../blobs/whatever"])
    with pytest.raises(ValidationError, match="segment order"):
        store.put_segment("bkt1", up, 0, [b"x"])


def test_the_upload_dir_of_an_unknown_id_is_not_found(store: LocalBlobStore) -> None:
    with pytest.raises(NotFound):
        store.abort_upload("bkt1", "../../etc")
    time.sleep(0)
