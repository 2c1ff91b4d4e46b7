"""The blob store contract, held over every store: the local one and S3 (moto's server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers.blobs import BlobStore, LocalBlobStore
from hearth.drivers.blobs.s3 import PART_SIZE, S3BlobStore
from hearth.errors import Conflict, NotFound, ValidationError

from ..ec2.moto import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, MotoServer


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path)
        return
    moto: MotoServer = request.getfixturevalue("moto_server")
    moto.reset()
    yield S3BlobStore.connect(moto.url, REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def test_buckets_are_made_owned_listed_and_deleted(store: BlobStore) -> None:
    store.create_bucket("ctr-one", "alice")
    store.create_bucket("ctr-two", "bob")
    assert store.list_buckets() == [("ctr-one", "alice"), ("ctr-two", "bob")]
    assert store.bucket_owner("ctr-two") == "bob"
    with pytest.raises(Conflict):
        store.create_bucket("ctr-one", "bob")
    store.delete_bucket("ctr-two")
    with pytest.raises(NotFound):
        store.bucket_owner("ctr-two")


def test_a_blob_round_trips_with_metadata_and_a_full_bucket_refuses_deletion(store: BlobStore) -> None:
    store.create_bucket("ctr-blobs", "alice")
    info = store.put("ctr-blobs", "a/b.txt", iter([b"hello ", b"world"]), {"Colour": "red"}, "text/plain")
    assert (info.size, info.meta, info.content_type) == (11, {"colour": "red"}, "text/plain")
    got, chunks = store.open("ctr-blobs", "a/b.txt")
    assert (got.size, b"".join(chunks)) == (11, b"hello world")
    assert store.set_meta("ctr-blobs", "a/b.txt", {"n": "1"}).meta == {"n": "1"}
    assert store.head("ctr-blobs", "a/b.txt").content_type == "text/plain"
    assert [b.name for b in store.list_blobs("ctr-blobs")] == ["a/b.txt"]
    with pytest.raises(Conflict, match="not empty"):
        store.delete_bucket("ctr-blobs")
    store.delete("ctr-blobs", "a/b.txt")
    with pytest.raises(NotFound, match="no blob"):
        store.head("ctr-blobs", "a/b.txt")
    with pytest.raises(NotFound):
        store.delete("ctr-blobs", "a/b.txt")
    store.delete_bucket("ctr-blobs")


def test_a_blob_larger_than_a_part_streams_in_and_out_whole(store: BlobStore) -> None:
    store.create_bucket("ctr-big", "alice")
    block = bytes(range(256)) * 4096  # 1 MiB

    def chunks() -> Iterator[bytes]:
        for _ in range(PART_SIZE * 2 // len(block) + 1):
            yield block

    info = store.put("ctr-big", "big", chunks())
    assert info.size == PART_SIZE * 2 + len(block)
    _, out = store.open("ctr-big", "big")
    assert b"".join(out) == block * (PART_SIZE * 2 // len(block) + 1)


def test_a_segmented_upload_becomes_the_concatenation_and_abort_leaves_nothing(store: BlobStore) -> None:
    store.create_bucket("ctr-segs", "alice")
    first = b"A" * (5 << 20)  # S3's smallest part but the last
    up = store.begin_upload("ctr-segs", "joined")
    s1 = store.put_segment("ctr-segs", up, 1, [first])
    s2 = store.put_segment("ctr-segs", up, 2, [b"tail"])
    info = store.finish_upload("ctr-segs", up, [s1, s2], {"k": "v"}, "application/x-test")
    assert (info.size, info.meta, info.content_type) == (len(first) + 4, {"k": "v"}, "application/x-test")
    assert b"".join(store.open("ctr-segs", "joined")[1]) == first + b"tail"
    gone = store.begin_upload("ctr-segs", "dropped")
    store.put_segment("ctr-segs", gone, 1, [b"x"])
    store.abort_upload("ctr-segs", gone)
    with pytest.raises(NotFound):
        store.put_segment("ctr-segs", gone, 2, [b"y"])
    assert [b.name for b in store.list_blobs("ctr-segs")] == ["joined"]


def test_names_are_checked_the_same_on_every_store(store: BlobStore) -> None:
    with pytest.raises(ValidationError, match="'../x'"):
        store.create_bucket("../x", "alice")
    store.create_bucket("ctr-names", "alice")
    with pytest.raises(ValidationError, match="'a/../b'"):
        store.put("ctr-names", "a/../b", [b"x"])
    with pytest.raises(NotFound):
        store.head("ctr-nobucket", "x")
