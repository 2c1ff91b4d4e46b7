"""/v1/buckets over a real server on loopback: ownership, streamed PUT and GET, headers."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator

import httpx

from hearth.service.buckets import blobs_dir

from .conftest import DEMO, Running, assert_error


def test_a_bucket_is_created_listed_shown_and_deleted(demo: httpx.Client) -> None:
    made = demo.post("/v1/buckets", json={"name": "api-life"})
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/v1/buckets/api-life"
    assert "api-life" in [b["name"] for b in demo.get("/v1/buckets").json()["buckets"]]
    assert demo.get("/v1/buckets/api-life").json()["blob_count"] == 0
    assert demo.delete("/v1/buckets/api-life").status_code == 204
    assert_error(demo.get("/v1/buckets/api-life"), 404, "NotFound")


def test_another_users_bucket_is_404_and_absent_from_their_list(
    demo: httpx.Client, other: httpx.Client
) -> None:
    assert demo.post("/v1/buckets", json={"name": "api-mine"}).status_code == 201
    assert demo.put("/v1/buckets/api-mine/blobs/x", content=b"1").status_code == 201
    assert "api-mine" not in [b["name"] for b in other.get("/v1/buckets").json()["buckets"]]
    assert_error(other.get("/v1/buckets/api-mine"), 404, "NotFound")
    assert_error(other.get("/v1/buckets/api-mine/blobs/x/content"), 404, "NotFound")
    assert_error(other.put("/v1/buckets/api-mine/blobs/y", content=b"2"), 404, "NotFound")
    assert_error(other.delete("/v1/buckets/api-mine"), 404, "NotFound")


def test_a_blob_put_as_a_stream_comes_back_with_its_headers_and_metadata(demo: httpx.Client) -> None:
    demo.post("/v1/buckets", json={"name": "api-blobs"})
    payload = bytes(range(256)) * 8192  # 2 MiB, sent in chunks with no Content-Length

    def body() -> Iterator[bytes]:
        for i in range(0, len(payload), 65536):
            yield payload[i : i + 65536]

    put = demo.put(
        "/v1/buckets/api-blobs/blobs/dir/file.bin",
        content=body(),
        headers={"X-Hearth-Meta-Colour": "blue", "Content-Type": "application/x-test"},
    )
    assert put.status_code == 201, put.text
    assert put.json()["size"] == len(payload)
    assert put.json()["meta"] == {"colour": "blue"}
    with demo.stream("GET", "/v1/buckets/api-blobs/blobs/dir/file.bin/content") as got:
        assert got.status_code == 200
        assert got.headers["content-length"] == str(len(payload))
        assert got.headers["content-type"] == "application/x-test"
        assert got.headers["x-hearth-meta-colour"] == "blue"
        assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''file.bin"
        assert b"".join(got.iter_bytes()) == payload
    head = demo.head("/v1/buckets/api-blobs/blobs/dir/file.bin")
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(payload)))
    assert demo.get("/v1/buckets/api-blobs/blobs/dir/file.bin").json()["content_type"] == "application/x-test"
    listed = demo.get("/v1/buckets/api-blobs/blobs").json()
    assert [b["id"] for b in listed["blobs"]] == ["dir/file.bin"]


def test_metadata_is_replaced_with_patch(demo: httpx.Client) -> None:
    demo.post("/v1/buckets", json={"name": "api-meta"})
    demo.put("/v1/buckets/api-meta/blobs/m", content=b"x", headers={"X-Hearth-Meta-A": "1"})
    changed = demo.patch("/v1/buckets/api-meta/blobs/m", json={"meta": {"b": "2"}})
    assert changed.json()["meta"] == {"b": "2"}
    assert demo.head("/v1/buckets/api-meta/blobs/m").headers["x-hearth-meta-b"] == "2"


def test_a_non_empty_bucket_is_409_until_its_blobs_are_deleted(demo: httpx.Client) -> None:
    demo.post("/v1/buckets", json={"name": "api-full"})
    demo.put("/v1/buckets/api-full/blobs/one", content=b"1")
    err = assert_error(demo.delete("/v1/buckets/api-full"), 409, "Conflict")
    assert "not empty" in err["message"]
    assert demo.delete("/v1/buckets/api-full/blobs/one").status_code == 204
    assert_error(demo.get("/v1/buckets/api-full/blobs/one/content"), 404, "NotFound")
    assert demo.delete("/v1/buckets/api-full").status_code == 204


def test_bad_names_are_400_naming_the_name(demo: httpx.Client) -> None:
    err = assert_error(demo.post("/v1/buckets", json={"name": "Bad_Name"}), 400, "ValidationError")
    assert "'Bad_Name'" in err["message"]
    demo.post("/v1/buckets", json={"name": "api-names"})
    err = assert_error(
        demo.put("/v1/buckets/api-names/blobs/a%2F..%2F..%2Fx", content=b"1"), 400, "ValidationError"
    )
    assert "'a/../../x'" in err["message"]


def test_buckets_need_credentials(server: Running) -> None:
    with server.client(auth=None) as anon:
        assert anon.get("/v1/buckets").status_code == 401


def test_a_segmented_upload_sent_out_of_order_is_joined_by_its_manifest(
    demo: httpx.Client, other: httpx.Client
) -> None:
    demo.post("/v1/buckets", json={"name": "api-segs"})
    begun = demo.post("/v1/buckets/api-segs/uploads", json={"blob": "joined.bin"})
    assert begun.status_code == 201, begun.text
    href = begun.headers["location"]
    second = demo.put(f"{href}/segments/2", content=b"world").json()["id"]
    first = demo.put(f"{href}/segments/1", content=b"hello ").json()["id"]
    assert_error(other.put(f"{href}/segments/3", content=b"!"), 404, "NotFound")
    done = demo.post(f"{href}/finish", json={"manifest": [first, second], "meta": {"k": "v"}})
    assert done.status_code == 201, done.text
    assert (done.json()["size"], done.json()["meta"]) == (11, {"k": "v"})
    assert demo.get("/v1/buckets/api-segs/blobs/joined.bin/content").content == b"hello world"
    dropped = demo.post("/v1/buckets/api-segs/uploads", json={"blob": "dropped"}).headers["location"]
    assert demo.delete(dropped).status_code == 204
    assert_error(demo.put(f"{dropped}/segments/1", content=b"x"), 404, "NotFound")


def test_a_put_whose_client_vanishes_midway_keeps_the_old_blob_and_leaves_no_temp_file(
    server: Running, demo: httpx.Client
) -> None:
    demo.post("/v1/buckets", json={"name": "api-cut"})
    assert demo.put("/v1/buckets/api-cut/blobs/x", content=b"old").status_code == 201
    credentials = base64.b64encode(f"{DEMO[0]}:{DEMO[1]}".encode()).decode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            b"PUT /v1/buckets/api-cut/blobs/x HTTP/1.1\r\nHost: t\r\nContent-Length: 10485760\r\n"
            + f"Authorization: Basic {credentials}\r\n\r\n".encode()
            + b"N" * (3 << 20)
        )
        time.sleep(0.3)  # the store is writing its temp file now
    tmp = blobs_dir(server.service.engine) / "api-cut" / "tmp"
    deadline = time.monotonic() + 10
    while any(tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp.iterdir()) == []
    assert demo.get("/v1/buckets/api-cut/blobs/x/content").content == b"old"
