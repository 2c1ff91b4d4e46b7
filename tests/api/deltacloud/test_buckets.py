"""Buckets and blobs over /api: Deltacloud's documents, streamed bodies both ways, the form POST,
metadata headers, the three-step segmented upload, the upload bound and per-user buckets."""

from __future__ import annotations

import base64
import hashlib
import itertools
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.api.deltacloud.multipart import MultipartReader
from hearth.api.gate import BodyLimits
from hearth.drivers.mock import MockDriver
from hearth.service import Service
from hearth.service.buckets import blobs_dir

from ..conftest import DEMO, FAST, OTHER, Running, serve, store
from .conftest import xml

_names = itertools.count()


def _bucket(api: httpx.Client) -> str:
    name = f"dc-bucket-{next(_names)}"
    r = api.post("/api/buckets", data={"name": name})
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(f"/api/buckets/{name}")
    root = xml(r)
    assert root.tag == "bucket" and root.get("id") == name and root.findtext("name") == name
    assert root.findtext("size") == "0"
    return name


def _pieces(total: int, size: int = 256 << 10) -> Iterator[bytes]:
    """``total`` bytes of a repeating pattern, sent chunked (no Content-Length)."""
    block = bytes(range(256)) * (size // 256)
    sent = 0
    while sent < total:
        piece = block[: min(size, total - sent)]
        sent += len(piece)
        yield piece


def _digest(total: int) -> str:
    return hashlib.sha256(b"".join(_pieces(total))).hexdigest()


def test_the_entry_point_links_buckets(api: httpx.Client) -> None:
    links = {link.get("rel") for link in xml(api.get("/api")).findall("link")}
    assert "buckets" in links


def test_a_bucket_lists_its_blobs_and_goes_once_empty(api: httpx.Client, server: Running) -> None:
    name = _bucket(api)
    assert api.put(f"/api/buckets/{name}/one", content=b"1").status_code == 200
    shown = xml(api.get(f"/api/buckets/{name}"))
    assert shown.findtext("size") == "1"
    (blob,) = shown.findall("blob")
    assert blob.get("id") == "one" and blob.get("href") == f"{server.url}/api/buckets/{name}/one"
    listed = [b for b in xml(api.get("/api/buckets")).findall("bucket") if b.get("id") == name]
    assert len(listed) == 1 and listed[0].findtext("size") == "1"
    as_json = api.get(f"/api/buckets/{name}", params={"format": "json"}).json()["bucket"]
    assert as_json["size"] == 1 and as_json["blob_list"][0]["id"] == "one"
    assert api.delete(f"/api/buckets/{name}").status_code == 409  # still holds a blob
    assert api.delete(f"/api/buckets/{name}/one").status_code == 204
    assert api.delete(f"/api/buckets/{name}").status_code == 204
    assert api.get(f"/api/buckets/{name}").status_code == 404


def test_creating_a_bucket_needs_a_valid_name(api: httpx.Client) -> None:
    r = api.post("/api/buckets", data={})
    assert r.status_code == 400 and "name" in (xml(r).findtext("message") or "")
    r = api.post("/api/buckets", data={"name": "Bad Name!"})
    assert r.status_code == 400 and xml(r).tag == "error"


def test_a_big_put_streams_in_and_its_content_streams_out(api: httpx.Client) -> None:
    name = _bucket(api)
    total = 9 << 20
    headers = {"content-type": "image/png", "x-deltacloud-blobmeta-author": "herpyderp"}
    r = api.put(f"/api/buckets/{name}/big.png", content=_pieces(total), headers=headers)
    assert r.status_code == 200, r.text
    doc = xml(r)
    assert doc.tag == "blob" and doc.get("id") == "big.png" and doc.findtext("bucket") == name
    assert doc.findtext("content_length") == str(total) and doc.findtext("content_type") == "image/png"
    entry = doc.find("user_metadata/entry")
    assert entry is not None and entry.get("key") == "author" and entry.text == "herpyderp"
    content = doc.find("content")
    assert content is not None and content.get("rel") == "blob_content"
    got = hashlib.sha256()
    with api.stream("GET", f"/api/buckets/{name}/big.png/content") as streamed:
        assert streamed.status_code == 200
        assert streamed.headers["content-length"] == str(total)
        assert streamed.headers["content-type"] == "image/png"
        assert streamed.headers["content-disposition"] == "attachment; filename=big.png"
        for chunk in streamed.iter_bytes():
            got.update(chunk)
    assert got.hexdigest() == _digest(total)


def test_the_blob_document_in_json(api: httpx.Client, server: Running) -> None:
    name = _bucket(api)
    api.put(f"/api/buckets/{name}/j", content=b"json", headers={"content-type": "text/plain"})
    blob = api.get(f"/api/buckets/{name}/j", params={"format": "json"}).json()["blob"]
    assert blob["bucket"] == {"rel": "bucket", "href": f"{server.url}/api/buckets/{name}", "id": name}
    assert blob["content_length"] == 4 and blob["content_type"] == "text/plain"
    assert blob["content"].endswith(f"/api/buckets/{name}/j/content")


def test_head_answers_204_with_the_metadata_headers(api: httpx.Client) -> None:
    name = _bucket(api)
    meta = {"x-deltacloud-blobmeta-version": "1.0", "x-deltacloud-blobmeta-author": "me"}
    api.put(f"/api/buckets/{name}/m", content=b"x", headers=meta)
    r = api.head(f"/api/buckets/{name}/m")
    assert r.status_code == 204
    assert r.headers["x-deltacloud-blobmeta-version"] == "1.0"
    assert r.headers["x-deltacloud-blobmeta-author"] == "me"
    assert api.head(f"/api/buckets/{name}/absent").status_code == 404


def test_post_to_a_blob_replaces_its_metadata(api: httpx.Client) -> None:
    name = _bucket(api)
    api.put(f"/api/buckets/{name}/m", content=b"x", headers={"x-deltacloud-blobmeta-author": "me"})
    r = api.post(f"/api/buckets/{name}/m", headers={"x-deltacloud-blobmeta-version": "2.5"})
    assert r.status_code == 204 and r.headers["x-deltacloud-blobmeta-version"] == "2.5"
    after = api.head(f"/api/buckets/{name}/m").headers
    assert after["x-deltacloud-blobmeta-version"] == "2.5"
    assert "x-deltacloud-blobmeta-author" not in after
    assert api.get(f"/api/buckets/{name}/m/content").content == b"x"  # the bytes stay


def test_a_multipart_post_creates_a_blob_with_form_metadata(api: httpx.Client) -> None:
    name = _bucket(api)
    data = b"\x89PNG" + bytes(range(256)) * 8192 + b"\r\n--not-the-boundary\r\n"
    fields = {
        "blob_id": "posted",
        "meta_params": "2",
        "meta_name1": "Author",
        "meta_value1": "herpyderp",
        "meta_name2": "Type",
        "meta_value2": "formPostedBlob",
    }
    files = {"blob_data": ("small.png", data, "image/png")}
    r = api.post(f"/api/buckets/{name}", data=fields, files=files)
    assert r.status_code == 201, r.text
    doc = xml(r)
    assert doc.get("id") == "posted" and doc.findtext("content_length") == str(len(data))
    assert doc.findtext("content_type") == "image/png"
    entries = {e.get("key"): e.text for e in doc.findall("user_metadata/entry")}
    assert entries == {"author": "herpyderp", "type": "formPostedBlob"}
    assert api.get(f"/api/buckets/{name}/posted/content").content == data


def test_a_multipart_post_without_blob_data_is_a_400(api: httpx.Client) -> None:
    name = _bucket(api)
    r = api.post(f"/api/buckets/{name}", files={"blob_id": (None, "x")})
    assert r.status_code == 400 and "blob_data" in (xml(r).findtext("message") or "")
    broken = api.post(
        f"/api/buckets/{name}",
        content=b"--b\r\nContent-Disposition: form-data; name=blob_id\r\n\r\nx",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert broken.status_code == 400 and xml(broken).tag == "error"


def _segmented(api: httpx.Client, name: str, blob: str, **extra: str) -> httpx.Response:
    return api.put(f"/api/buckets/{name}/{blob}", headers={"x-deltacloud-blobtype": "segmented", **extra})


def test_the_three_step_segmented_upload_assembles_the_blob(api: httpx.Client) -> None:
    name = _bucket(api)
    begun = _segmented(api, name, "joined")
    assert begun.status_code == 204
    upload = begun.headers["x-deltacloud-segmentedblob"]
    ids = {}
    for order, body in ((2, b"world"), (1, b"hello ")):
        r = api.put(
            f"/api/buckets/{name}/joined",
            content=body,
            headers={
                "x-deltacloud-blobtype": "segmented",
                "x-deltacloud-segmentedblob": upload,
                "x-deltacloud-segmentorder": str(order),
            },
        )
        assert r.status_code == 204, r.text
        ids[order] = r.headers["x-deltacloud-blobsegmentid"]
    manifest = f"2={ids[2]} , 1={ids[1]}"
    done = api.put(
        f"/api/buckets/{name}/joined",
        content=manifest,
        headers={
            "x-deltacloud-blobtype": "segmented",
            "x-deltacloud-segmentedblob": upload,
            "x-deltacloud-blobmeta-parts": "2",
        },
    )
    assert done.status_code == 200, done.text
    doc = xml(done)
    assert doc.get("id") == "joined" and doc.findtext("content_length") == "11"
    assert api.get(f"/api/buckets/{name}/joined/content").content == b"hello world"
    assert api.head(f"/api/buckets/{name}/joined").headers["x-deltacloud-blobmeta-parts"] == "2"


def test_segmented_upload_errors_are_clear(api: httpx.Client) -> None:
    name = _bucket(api)
    upload = _segmented(api, name, "s").headers["x-deltacloud-segmentedblob"]
    bad_order = _segmented(
        api, name, "s", **{"x-deltacloud-segmentedblob": upload, "x-deltacloud-segmentorder": "x"}
    )
    assert bad_order.status_code == 400
    garbage = api.put(
        f"/api/buckets/{name}/s",
        content=b"not a manifest",
        headers={"x-deltacloud-blobtype": "segmented", "x-deltacloud-segmentedblob": upload},
    )
    assert garbage.status_code == 400 and "manifest" in (xml(garbage).findtext("message") or "")
    unknown = _segmented(
        api, name, "s", **{"x-deltacloud-segmentedblob": "0" * 32, "x-deltacloud-segmentorder": "1"}
    )
    assert unknown.status_code == 404


def test_another_users_bucket_is_invisible(api: httpx.Client, server: Running) -> None:
    name = _bucket(api)
    api.put(f"/api/buckets/{name}/mine", content=b"secret")
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as other:
        assert name not in {b.get("id") for b in xml(other.get("/api/buckets")).findall("bucket")}
        assert other.get(f"/api/buckets/{name}").status_code == 404
        assert other.get(f"/api/buckets/{name}/mine/content").status_code == 404
        assert other.put(f"/api/buckets/{name}/theirs", content=b"x").status_code == 404
        assert other.delete(f"/api/buckets/{name}/mine").status_code == 404
        assert other.post("/api/buckets", data={"name": name}).status_code == 409
    assert api.get(f"/api/buckets/{name}/mine/content").content == b"secret"


def test_buckets_need_credentials(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api/buckets").status_code == 401
    assert anonymous.put("/api/buckets/whatever/b", content=b"x").status_code == 401


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server whose upload bound is 64 KiB."""
    engine = store(Path(tmp_path_factory.mktemp("bounded")))
    with serve(Service(MockDriver(engine, timing=FAST), engine), BodyLimits(upload=64 << 10)) as running:
        yield running


def test_uploads_past_the_bound_are_413_and_leave_no_blob(bounded: Running) -> None:
    with httpx.Client(base_url=bounded.url, auth=DEMO, timeout=30, headers={"accept": ""}) as api:
        name = _bucket(api)
        declared = api.put(f"/api/buckets/{name}/big", content=b"x" * (65 << 10))
        assert declared.status_code == 413 and xml(declared).tag == "error"
        chunked = api.put(f"/api/buckets/{name}/big", content=_pieces(1 << 20, 16 << 10))
        assert chunked.status_code == 413
        assert api.get(f"/api/buckets/{name}/big").status_code == 404
        assert api.put(f"/api/buckets/{name}/small", content=b"x" * 1000).status_code == 200


def test_a_put_cut_off_midway_keeps_the_old_blob_and_leaves_no_temp_file(
    api: httpx.Client, server: Running
) -> None:
    name = _bucket(api)
    assert api.put(f"/api/buckets/{name}/kept", content=b"old").status_code == 200
    host, port = server.url.removeprefix("http://").split(":")
    auth = base64.b64encode(f"{DEMO[0]}:{DEMO[1]}".encode()).decode()
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            f"PUT /api/buckets/{name}/kept HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\n"
            f"Content-Length: {4 << 20}\r\n\r\n".encode()
            + b"n" * (256 << 10)
        )
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    tmp = blobs_dir(server.service.engine) / name / "tmp"
    while any(tmp.iterdir()):
        assert time.monotonic() < deadline, list(tmp.iterdir())
        time.sleep(0.05)
    assert api.get(f"/api/buckets/{name}/kept/content").content == b"old"


def test_the_form_reader_hands_a_file_part_on_before_the_body_has_all_come() -> None:
    pulled = []

    def body() -> Iterator[bytes]:
        yield b'--B\r\nContent-Disposition: form-data; name="blob_data"; filename="f"\r\n\r\n'
        for i in range(100):
            pulled.append(i)
            yield bytes([65 + i % 26]) * 1000
        yield b"\r\n--B--\r\n"

    parts = MultipartReader(body(), b"B").parts()
    part, chunks = next(parts)
    assert (part.name, part.filename) == ("blob_data", "f")
    first = next(chunks)
    assert first.startswith(b"A") and len(pulled) < 5  # read as it comes, not gathered
    rest = b"".join(chunks)
    assert len(first) + len(rest) == 100_000
    assert list(parts) == []
