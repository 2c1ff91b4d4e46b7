"""Request bodies are bounded per route class, and who is calling is decided before a body is read.

The server under test is real (uvicorn on loopback); the client is a raw socket, so a test can
send a request head that announces a large body, send only part of it, and see the answer
arrive while most of the body was never sent: proof the server did not wait to read (or buffer)
it. A server that read first would leave the socket silent, and the read would time out.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from hearth.api.gate import BodyLimits
from hearth.drivers.mock import MockDriver
from hearth.service import Service

from .conftest import DEMO, FAST, Running, assert_error, serve, store

JSON_LIMIT = 64 * 1024
UPLOAD_LIMIT = 1024 * 1024
HUGE = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    engine = store(tmp_path_factory.mktemp("bounds"))
    limits = BodyLimits(json=JSON_LIMIT, upload=UPLOAD_LIMIT)
    with serve(Service(MockDriver(engine, timing=FAST), engine), limits) as running:
        yield running


def _basic(auth: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(":".join(auth).encode()).decode()


class _Raw:
    """One HTTP/1.1 request over a plain socket, its body sent in pieces of our choosing."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=20)

    def head(self, method: str, path: str, headers: dict[str, str]) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers.items())]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Status, headers and JSON body of the answer (read until the announced length)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection without an answer"
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            assert chunk, "the answer was cut short"
            rest += chunk
        return int(status_line.split()[1]), headers, json.loads(rest[:length])

    def close(self) -> None:
        self.sock.close()


def _answer(
    url: str, method: str, path: str, headers: dict[str, str], parts: Iterable[bytes] = ()
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Send a request head and only ``parts`` of its body, then read the answer."""
    raw = _Raw(url)
    try:
        raw.head(method, path, headers)
        for part in parts:
            raw.send(part)
        return raw.response()
    finally:
        raw.close()


def _json_head(length: int | None, auth: tuple[str, str] | None = DEMO) -> dict[str, str]:
    head = {"Content-Type": "application/json"}
    head.update({"Content-Length": str(length)} if length is not None else {"Transfer-Encoding": "chunked"})
    if auth is not None:
        head["Authorization"] = _basic(auth)
    return head


def _check_shape(status: int, body: dict[str, Any], want: int, name: str) -> None:
    assert status == want, body
    assert set(body) == {"code", "error", "message", "details"} and body["code"] == want, body
    assert body["error"] == name, body


def test_an_anonymous_200_mb_post_gets_401_before_its_body_is_sent(bounded: Running) -> None:
    # A sliver of the 200 MB announced goes out; the rest never does.
    status, headers, body = _answer(
        bounded.url, "POST", "/v1/volumes", _json_head(HUGE, auth=None), [b" " * 65536]
    )
    _check_shape(status, body, 401, "AuthFailure")
    assert headers["www-authenticate"] == 'Basic realm="hearth"'


def test_wrong_credentials_on_a_huge_post_are_refused_before_its_body_is_read(bounded: Running) -> None:
    head = _json_head(HUGE, auth=("demo", "not-the-password"))
    status, _, body = _answer(bounded.url, "POST", "/v1/volumes", head)  # not one byte of the body sent
    _check_shape(status, body, 401, "AuthFailure")


def test_a_json_body_declared_larger_than_its_bound_gets_413_before_it_is_sent(bounded: Running) -> None:
    status, _, body = _answer(bounded.url, "POST", "/v1/volumes", _json_head(JSON_LIMIT + 1))
    _check_shape(status, body, 413, "PayloadTooLarge")
    assert str(JSON_LIMIT) in body["message"]


def test_a_chunked_json_body_is_cut_off_with_413_once_it_passes_the_bound(bounded: Running) -> None:
    piece = b" " * 16384
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (JSON_LIMIT // len(piece) + 2)  # just past it
    status, _, body = _answer(bounded.url, "POST", "/v1/volumes", _json_head(None), chunks)
    _check_shape(status, body, 413, "PayloadTooLarge")


def test_a_chunked_body_past_the_bound_is_413_on_an_idempotent_create_too(bounded: Running) -> None:
    piece = b" " * 16384
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (JSON_LIMIT // len(piece) + 2)
    head = {**_json_head(None), "Idempotency-Key": "bounded-1"}
    status, _, body = _answer(bounded.url, "POST", "/v1/volumes", head, chunks)
    _check_shape(status, body, 413, "PayloadTooLarge")


def test_a_json_body_within_its_bound_is_served(bounded: Running) -> None:
    with bounded.client(DEMO) as c:
        padded = '{"capacity_gb": 1' + " " * (JSON_LIMIT - 100) + "}"
        r = c.post("/v1/volumes", content=padded, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def test_a_streamed_upload_has_its_own_larger_bound(bounded: Running) -> None:
    with bounded.client(DEMO) as c:
        # Above the JSON bound, below the upload bound: the route itself answers (no such upload).
        r = c.put("/v1/media/uploads/u-nope", params={"offset": 0}, content=b"x" * (JSON_LIMIT * 2))
        assert r.status_code == 404 and r.json()["error"] == "NotFound", r.text
    # Past the upload bound: refused from the head.
    head = {"Authorization": _basic(DEMO), "Content-Length": str(UPLOAD_LIMIT + 1)}
    status, _, body = _answer(bounded.url, "PUT", "/v1/media/uploads/u-nope?offset=0", head)
    _check_shape(status, body, 413, "PayloadTooLarge")


def test_anonymous_requests_to_unknown_v1_paths_get_401_not_a_map_of_the_api(bounded: Running) -> None:
    with bounded.client(auth=None) as c:
        assert_error(c.get("/v1/no-such-collection"), 401, "AuthFailure")
        assert c.get("/v1/openapi.json").status_code == 200
