"""The service's buckets: each user's own, blobs within, segmented uploads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.blobs import LocalBlobStore
from hearth.errors import Conflict, NotFound, ValidationError
from hearth.service.buckets import (
    BLOB_NAME_PATTERN,
    BUCKET_NAME_PATTERN,
    MAX_SEGMENTS,
    Buckets,
    open_buckets,
)
from hearth.service.config import load_config
from hearth.store import default_url, make_engine
from tests.drivers.ec2.moto import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, run_moto

ALICE = Caller("alice")
BOB = Caller("bob")
ADMIN = Caller("root", is_admin=True)


@pytest.fixture
def buckets(tmp_path: Path) -> Buckets:
    return Buckets(LocalBlobStore(tmp_path))


def test_a_user_lists_only_their_own_buckets_and_an_admin_lists_all(buckets: Buckets) -> None:
    buckets.create(ALICE, "alice-1")
    buckets.create(BOB, "bob-1")
    assert [b.name for b in buckets.list_buckets(ALICE)] == ["alice-1"]
    assert [b.name for b in buckets.list_buckets(BOB)] == ["bob-1"]
    assert [b.name for b in buckets.list_buckets(ADMIN)] == ["alice-1", "bob-1"]


def test_another_users_bucket_is_not_found_for_every_operation(buckets: Buckets) -> None:
    buckets.create(ALICE, "alice-1")
    buckets.put(ALICE, "alice-1", "x", [b"secret"])
    for attempt in (
        lambda: buckets.show(BOB, "alice-1"),
        lambda: buckets.delete(BOB, "alice-1"),
        lambda: buckets.blobs(BOB, "alice-1"),
        lambda: buckets.open(BOB, "alice-1", "x"),
        lambda: buckets.head(BOB, "alice-1", "x"),
        lambda: buckets.put(BOB, "alice-1", "y", [b"z"]),
        lambda: buckets.set_meta(BOB, "alice-1", "x", {}),
        lambda: buckets.delete_blob(BOB, "alice-1", "x"),
        lambda: buckets.begin_upload(BOB, "alice-1", "y"),
    ):
        with pytest.raises(NotFound, match="no bucket 'alice-1'"):
            attempt()
    assert buckets.head(ALICE, "alice-1", "x").size == 6


def test_a_name_taken_by_another_user_is_a_conflict_that_does_not_name_the_owner(buckets: Buckets) -> None:
    buckets.create(ALICE, "shared-name")
    with pytest.raises(Conflict, match="is taken") as err:
        buckets.create(BOB, "shared-name")
    assert "alice" not in str(err.value)


def test_a_non_empty_bucket_refuses_deletion_with_a_clear_error(buckets: Buckets) -> None:
    buckets.create(ALICE, "full")
    buckets.put(ALICE, "full", "x", [b"1"])
    with pytest.raises(Conflict, match="not empty"):
        buckets.delete(ALICE, "full")
    assert buckets.show(ALICE, "full").blob_count == 1
    buckets.delete_blob(ALICE, "full", "x")
    buckets.delete(ALICE, "full")
    assert buckets.list_buckets(ALICE) == []


def test_a_segmented_upload_through_the_service_makes_one_blob(buckets: Buckets) -> None:
    buckets.create(ALICE, "segs")
    up = buckets.begin_upload(ALICE, "segs", "joined")
    ids = [buckets.put_segment(ALICE, "segs", up, n, [bytes([64 + n]) * 3]) for n in (1, 2, 3)]
    info = buckets.finish_upload(ALICE, "segs", up, ids[::-1])
    assert b"".join(buckets.open(ALICE, "segs", "joined")[1]) == b"CCCBBBAAA"
    assert info.size == 9
    up2 = buckets.begin_upload(ALICE, "segs", "dropped")
    buckets.abort_upload(ALICE, "segs", up2)
    assert [b.name for b in buckets.blobs(ALICE, "segs")] == ["joined"]


def test_a_manifest_past_the_segment_bound_is_refused_and_the_upload_kept(buckets: Buckets) -> None:
    buckets.create(ALICE, "many")
    up = buckets.begin_upload(ALICE, "many", "big")
    seg = buckets.put_segment(ALICE, "many", up, 1, [b"x"])
    with pytest.raises(ValidationError, match="10001 segments; at most 10000"):
        buckets.finish_upload(ALICE, "many", up, [seg] * (MAX_SEGMENTS + 1))
    assert buckets.finish_upload(ALICE, "many", up, [seg]).size == 1


def test_bucket_and_blob_names_follow_one_rule_in_the_store_and_the_schema(buckets: Buckets) -> None:
    """The patterns the API's schema carries are the ones the store checks with."""
    for name in ("ab", "a..b", "-ab", "ab.", "Abc", "abc\n", "a" * 64):
        with pytest.raises(ValidationError, match="invalid bucket name"):
            buckets.create(ALICE, name)
        assert not (len(name) >= 3 and re.fullmatch(BUCKET_NAME_PATTERN, name) and len(name) <= 63)
    for name in ("a.b", "a-.b", "0-9", "a" * 63):
        assert re.fullmatch(BUCKET_NAME_PATTERN, name)
        buckets.create(ALICE, name)
    for blob in ("a//b", "/a", "a/", ".", "..", "a/../b", "a\\b", "a\x01"):
        assert not re.fullmatch(BLOB_NAME_PATTERN, blob)
        with pytest.raises(ValidationError, match="invalid blob name"):
            buckets.put(ALICE, "a.b", blob, [b"x"])
    for blob in ("a/b", "...", ".a", "..a/b c"):
        assert re.fullmatch(BLOB_NAME_PATTERN, blob)
        buckets.put(ALICE, "a.b", blob, [b"x"])


def test_bad_names_are_refused_by_name_before_any_lookup(buckets: Buckets) -> None:
    with pytest.raises(ValidationError, match="'../etc'"):
        buckets.show(ALICE, "../etc")
    buckets.create(ALICE, "good")
    with pytest.raises(ValidationError, match="'../up'"):
        buckets.put(ALICE, "good", "../up", [b"x"])


def test_the_blobs_table_picks_the_local_store_and_its_directory(tmp_path: Path) -> None:
    engine = make_engine(default_url(tmp_path / "state"))
    try:
        made = open_buckets(engine, None, {"store": "local", "dir": str(tmp_path / "elsewhere")})
        made.create(ALICE, "cfg-local")
        assert (tmp_path / "elsewhere" / "cfg-local" / "bucket.json").is_file()
        beside = open_buckets(engine)  # no table: blobs/ beside the SQLite store
        assert beside.store.root == tmp_path / "state" / "blobs"  # type: ignore[attr-defined]
        with pytest.raises(ValidationError, match="'local' or 's3'"):
            open_buckets(engine, None, {"store": "ftp"})
        with pytest.raises(ValidationError, match="'endpoint_url' does not apply"):
            open_buckets(engine, None, {"endpoint_url": "http://x"})
    finally:
        engine.dispose()


def test_a_config_file_blobs_table_reaches_the_config(tmp_path: Path) -> None:
    path = tmp_path / "hearth.toml"
    path.write_text('[blobs]\nstore = "s3"\nendpoint_url = "http://127.0.0.1:9"\n')
    assert load_config(path).blobs == {"store": "s3", "endpoint_url": "http://127.0.0.1:9"}


def test_the_blobs_table_picks_an_s3_store_that_keeps_ownership(tmp_path: Path) -> None:
    engine = make_engine(default_url(tmp_path))
    try:
        with run_moto(tmp_path) as moto:
            options = {
                "store": "s3",
                "endpoint_url": moto.url,
                "region": REGION,
                "access_key_id": ACCESS_KEY_ID,
                "secret_access_key": SECRET_ACCESS_KEY,
            }
            on_s3 = open_buckets(engine, None, options)
            on_s3.create(ALICE, "cfg-s3")
            on_s3.put(ALICE, "cfg-s3", "x", [b"abc"])
            assert [b.name for b in on_s3.list_buckets(ALICE)] == ["cfg-s3"]
            assert on_s3.list_buckets(BOB) == []
            with pytest.raises(NotFound):
                on_s3.open(BOB, "cfg-s3", "x")
            assert b"".join(on_s3.open(ALICE, "cfg-s3", "x")[1]) == b"abc"
    finally:
        engine.dispose()
