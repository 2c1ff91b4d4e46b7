"""A real, range-capable HTTP server on loopback for the media tests and the bench.

It serves registered files with HEAD, single byte ranges, ETag and Accept-Ranges, counts the
body bytes it sends (so a test can prove a cache hit fetched nothing), and can be told to cut
connections after N body bytes or to throttle, to exercise resumable downloads. Bodies go out
with ``socket.sendfile`` so the server is not the bottleneck of the cache-fill benchmark.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeServer:
    def __init__(self, *, ranges: bool = True) -> None:
        self.files: dict[str, Path] = {}
        self.ranges = ranges
        self.sent: Counter[str] = Counter()  # body bytes per URL path
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Range header)
        self.cut_after: int | None = None  # close the connection after this many body bytes...
        self.cuts_left = 0  # ...this many more times
        self.rate: float | None = None  # bytes per second while sending
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, file: Path) -> str:
        self.files[path] = file
        return self.url(path)

    def total_sent(self) -> int:
        with self.lock:
            return sum(self.sent.values())

    def start(self) -> RangeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RangeServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet tests
                return

            def _target(self) -> Path | None:
                path = self.path.split("?", 1)[0]
                with server.lock:
                    server.requests.append((self.command, path, self.headers.get("Range")))
                found = server.files.get(path)
                if found is None:
                    self.send_error(404)
                return found

            def _headers(self, file: Path) -> tuple[int, int, int, int]:
                """(status, start, length, size) for this request, headers sent."""
                st = file.stat()
                size = st.st_size
                start, length, status = 0, size, 200
                header = self.headers.get("Range") if server.ranges else None
                match = _RANGE.match(header or "")
                if match and (match.group(1) or match.group(2)):
                    first, last = match.group(1), match.group(2)
                    if first:
                        start = int(first)
                        end = min(int(last), size - 1) if last else size - 1
                    else:  # suffix range
                        start = max(0, size - int(last))
                        end = size - 1
                    if start >= size:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return 416, 0, 0, size
                    status, length = 206, end - start + 1
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(length))
                self.send_header("ETag", f'"{st.st_ino:x}-{st.st_mtime_ns:x}-{size:x}"')
                if server.ranges:
                    self.send_header("Accept-Ranges", "bytes")
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{start + length - 1}/{size}")
                self.end_headers()
                return status, start, length, size

            def do_HEAD(self) -> None:
                file = self._target()
                if file is not None:
                    self._headers(file)

            def do_GET(self) -> None:
                file = self._target()
                if file is None:
                    return
                status, start, length, _ = self._headers(file)
                if status == 416:
                    return
                limit = length
                with server.lock:
                    if server.cut_after is not None and server.cuts_left > 0:
                        server.cuts_left -= 1
                        limit = min(length, server.cut_after)
                self._send(file, start, limit)
                if limit < length:
                    self.close_connection = True
                    self.connection.shutdown(2)

            def _send(self, file: Path, start: int, count: int) -> None:
                step = 1 << 20 if server.rate is None else max(1, int(server.rate / 20))
                path = self.path.split("?", 1)[0]
                with open(file, "rb") as fh:
                    offset = start
                    while count > 0:
                        try:
                            n = self.connection.sendfile(fh, offset, min(step, count))
                        except (BrokenPipeError, ConnectionResetError):
                            return
                        if n == 0:
                            return
                        with server.lock:
                            server.sent[path] += n
                        offset += n
                        count -= n
                        if server.rate is not None:
                            time.sleep(n / server.rate)

        return Handler


def make_sparse(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that costs no disk: ``head`` at the start, holes after."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    os.utime(path)
    return path
