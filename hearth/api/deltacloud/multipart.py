"""``multipart/form-data`` read part by part from a blocking stream of chunks.

Deltacloud's browser form posts a blob as a file part beside its ``blob_id`` and metadata
fields; the file may be large, so a part's bytes are handed on as they arrive (never gathered),
while plain fields, which are small, are bounded. Written here because the form parser the web
stack offers needs a package this server does not carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from hearth.errors import ValidationError

MAX_HEADERS = 16 << 10  # bytes of one part's header block
_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None


def boundary_of(content_type: str) -> bytes:
    """The boundary a ``multipart/form-data`` Content-Type names (ValidationError if none)."""
    for key, raw in _PARAM.findall(";" + content_type.partition(";")[2]):
        if str(key).lower() == "boundary":
            value = _unquote(str(raw))
            if 0 < len(value) <= 70:
                return value.encode("latin-1")
    raise ValidationError("a multipart/form-data body needs a boundary in its Content-Type")


def _unquote(value: str) -> str:
    value = value.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _part(block: bytes) -> Part:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    params = {k.lower(): _unquote(v) for k, v in _PARAM.findall(";" + disposition.partition(";")[2])}
    if "name" not in params:
        raise ValidationError("a multipart part has no name in its Content-Disposition")
    return Part(params["name"], params.get("filename"), headers.get("content-type"))


class MultipartReader:
    """The parts of one body: iterate ``parts()``; read each part's chunks before the next."""

    def __init__(self, chunks: Iterable[bytes], boundary: bytes) -> None:
        self._chunks = iter(chunks)
        self._buf = bytearray(b"\r\n")  # so the first delimiter looks like every other one
        self._delim = b"\r\n--" + boundary

    def _fill(self) -> bool:
        for chunk in self._chunks:
            if chunk:
                self._buf += chunk
                return True
        return False

    def _until(self, marker: bytes, limit: int | None) -> Iterator[bytes]:
        """The bytes before ``marker`` (consumed too), handed on as they come."""
        keep = len(marker) - 1
        held = 0
        while True:
            at = self._buf.find(marker)
            if at >= 0:
                if at:
                    yield bytes(self._buf[:at])
                del self._buf[: at + len(marker)]
                return
            if len(self._buf) > keep:
                out = bytes(self._buf[: len(self._buf) - keep])
                del self._buf[: len(self._buf) - keep]
                held += len(out)
                if limit is not None and held > limit:
                    raise ValidationError("a multipart part's headers are too long")
                yield out
            if not self._fill():
                raise ValidationError("the multipart body ends before its closing boundary")

    def parts(self) -> Iterator[tuple[Part, Iterator[bytes]]]:
        for _ in self._until(self._delim, None):  # the preamble, ignored
            pass
        while True:
            while len(self._buf) < 2:
                if not self._fill():
                    raise ValidationError("the multipart body ends before its closing boundary")
            if self._buf[:2] == b"--":
                return
            for _ in self._until(b"\r\n", MAX_HEADERS):  # transport padding after the boundary
                pass
            part = _part(b"".join(self._until(b"\r\n\r\n", MAX_HEADERS)))
            body = self._until(self._delim, None)
            yield part, body
            for _ in body:  # whatever the caller left unread
                pass
