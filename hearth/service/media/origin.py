"""Read remote media by byte range over HTTP(S) and FTP(S), streaming, never the whole file at once.

Both protocols answer the same three questions -- how big is it, what validates this version
(ETag, Last-Modified, MDTM), and give me the bytes from offset N -- so the prober and the cache
are written once against ``Origin``. Errors carry the redacted URL only.
"""

from __future__ import annotations

import base64
import ftplib
import http.client
import socket
import ssl
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from hearth.errors import BackendError, BackendTimeout, NotFound, ValidationError
from hearth.media.urls import check_url, redact

if TYPE_CHECKING:
    # Imported where an HTTP origin is opened: a server that never probes remote media does not
    # hold httpx (~18 MiB of RSS, measured by bench/blobs.py's idle figure).
    import httpx

CHUNK = 1 << 20
TIMEOUT = 30.0
USER_AGENT = "hearth-media/1"


@dataclass(frozen=True, slots=True)
class RemoteStat:
    size: int | None  # None: the origin did not say
    ranges: bool  # byte ranges are honoured
    validator: str | None  # ETag or modification time: changes when the content does


@dataclass(slots=True)
class Body:
    """A response body being streamed; ``start`` is where it really begins (0 if a range was ignored)."""

    start: int
    total: int | None
    chunks: Generator[bytes, None, None]


@dataclass(slots=True)
class Stream:
    """A bulk body read with ``readinto`` (0 means it ended); ``start`` as for ``Body``."""

    start: int
    total: int | None
    readinto: Callable[[memoryview], int]
    close: Callable[[], None]


class Origin(Protocol):
    def stat(self) -> RemoteStat: ...

    def body(self, offset: int = 0, length: int | None = None) -> Body: ...

    def stream(self, offset: int = 0) -> Stream: ...

    def close(self) -> None: ...


def _content_range_total(value: str | None) -> int | None:
    # "bytes 0-99/1234" or "bytes */1234"
    if not value or "/" not in value:
        return None
    total = value.rsplit("/", 1)[1].strip()
    return int(total) if total.isdigit() else None


class HttpOrigin:
    """httpx for HEAD and the small reads of probing; the stdlib for bulk bodies (see ``stream``)."""

    def __init__(self, url: str, *, verify: bool = True, timeout: float = TIMEOUT) -> None:
        import httpx

        self.url = url
        self.shown = redact(url)
        self.timeout = timeout
        self.ssl_context = ssl.create_default_context()
        if not verify:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        self.client = httpx.Client(
            verify=self.ssl_context,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        )

    def _fail(self, resp: httpx.Response) -> None:
        if resp.status_code == 404:
            raise NotFound(f"remote media {self.shown} does not exist (HTTP 404)")
        raise BackendError(
            f"remote media {self.shown} answered HTTP {resp.status_code}", status=resp.status_code
        )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        import httpx

        try:
            yield
        except httpx.TimeoutException:
            raise BackendTimeout(f"remote media {self.shown} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise BackendError(f"cannot reach remote media {self.shown}: {type(exc).__name__}") from None

    def stat(self) -> RemoteStat:
        with self._errors():
            resp = self.client.head(self.url)
        if resp.status_code >= 400:
            self._fail(resp)
        length = resp.headers.get("Content-Length")
        return RemoteStat(
            size=int(length) if length and length.isdigit() else None,
            ranges=resp.headers.get("Accept-Ranges", "").lower() == "bytes",
            validator=resp.headers.get("ETag") or resp.headers.get("Last-Modified"),
        )

    def body(self, offset: int = 0, length: int | None = None) -> Body:
        headers = {}
        if offset or length is not None:
            end = "" if length is None else str(offset + length - 1)
            headers["Range"] = f"bytes={offset}-{end}"
        with self._errors():
            resp = self.client.send(self.client.build_request("GET", self.url, headers=headers), stream=True)
        if resp.status_code == 416:
            resp.close()
            raise BackendError(f"remote media {self.shown} has no bytes from offset {offset}")
        if resp.status_code >= 400:
            resp.close()
            self._fail(resp)
        if resp.status_code == 206:
            start = offset
            total = _content_range_total(resp.headers.get("Content-Range"))
        else:
            start = 0
            length_header = resp.headers.get("Content-Length")
            total = int(length_header) if length_header and length_header.isdigit() else None

        def chunks() -> Generator[bytes, None, None]:
            try:
                with self._errors():
                    yield from resp.iter_bytes()  # as read: nothing is held back if the link breaks
            finally:
                resp.close()

        return Body(start=start, total=total, chunks=chunks())

    def stream(self, offset: int = 0) -> Stream:
        """The body from ``offset`` through the standard library's ``readinto``.

        httpx's sync transport hands bodies over in fresh 64 KiB pieces; for multi-GiB media
        the stdlib reading straight into the caller's reused buffers costs about half the CPU
        per byte. Redirects are followed here too, http(s) only, at most five.
        """
        url = self.url
        for _ in range(6):
            parts = urlsplit(url)
            conn: http.client.HTTPConnection
            if parts.scheme == "https":
                conn = http.client.HTTPSConnection(
                    parts.hostname or "", parts.port, timeout=self.timeout, context=self.ssl_context
                )
            else:
                conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=self.timeout)
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
            if parts.username is not None:
                pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                conn.request("GET", target, headers=headers)
                resp = conn.getresponse()
            except TimeoutError:
                conn.close()
                raise BackendTimeout(f"remote media {self.shown} did not answer in time") from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise BackendError(f"cannot reach remote media {self.shown}: {type(exc).__name__}") from None
            location = resp.getheader("Location")
            if resp.status in (301, 302, 303, 307, 308) and location:
                conn.close()
                url = urljoin(url, location)
                if urlsplit(url).scheme not in ("http", "https"):
                    raise BackendError(f"remote media {self.shown} redirects to a scheme that is not allowed")
                continue
            break
        else:
            raise BackendError(f"remote media {self.shown} redirects too many times")
        if resp.status == 416 or resp.status >= 400:
            conn.close()
            if resp.status == 404:
                raise NotFound(f"remote media {self.shown} does not exist (HTTP 404)")
            raise BackendError(f"remote media {self.shown} answered HTTP {resp.status}", status=resp.status)
        if resp.status == 206:
            start, total = offset, _content_range_total(resp.getheader("Content-Range"))
        else:
            length = resp.getheader("Content-Length")
            start, total = 0, int(length) if length and length.isdigit() else None

        def readinto(view: memoryview) -> int:
            try:
                return resp.readinto(view)
            except TimeoutError:
                raise BackendTimeout(f"remote media {self.shown} stalled") from None
            except (OSError, http.client.HTTPException) as exc:
                raise BackendError(f"transfer of {self.shown} broke: {type(exc).__name__}") from None

        return Stream(start=start, total=total, readinto=readinto, close=conn.close)

    def close(self) -> None:
        self.client.close()


class FtpOrigin:
    """ftplib with REST for offsets and SIZE/MDTM for the stat; one control connection per origin."""

    def __init__(self, url: str, *, verify: bool = True, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(url)
        self.shown = redact(url)
        self.path = unquote(parts.path).lstrip("/")
        self.timeout = timeout
        tls = parts.scheme.lower() == "ftps"
        try:
            if tls:
                ctx = ssl.create_default_context()
                if not verify:
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                ftp: ftplib.FTP = ftplib.FTP_TLS(context=ctx, timeout=timeout)
            else:
                ftp = ftplib.FTP(timeout=timeout)
            ftp.connect(parts.hostname or "", parts.port or 21)
            ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or "anonymous@"))
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.voidcmd("TYPE I")
        except TimeoutError:
            raise BackendTimeout(f"FTP server of {self.shown} did not answer in time") from None
        except ftplib.error_perm as exc:
            raise BackendError(f"FTP server of {self.shown} refused the login: {str(exc)[:3]}") from None
        except (OSError, ftplib.Error, EOFError) as exc:
            raise BackendError(f"cannot reach the FTP server of {self.shown}: {type(exc).__name__}") from None
        self.ftp = ftp

    def stat(self) -> RemoteStat:
        try:
            size = self.ftp.size(self.path)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                raise NotFound(f"remote media {self.shown} does not exist (FTP 550)") from None
            raise BackendError(f"FTP server of {self.shown} refused SIZE: {str(exc)[:3]}") from None
        except (OSError, ftplib.Error, EOFError) as exc:
            raise BackendError(f"FTP error reading {self.shown}: {type(exc).__name__}") from None
        try:
            mdtm: str | None = self.ftp.voidcmd(f"MDTM {self.path}")[4:].strip()
        except (ftplib.Error, OSError):
            mdtm = None
        return RemoteStat(size=size, ranges=True, validator=mdtm)

    def _transfer(self, offset: int) -> tuple[socket.socket, int | None]:
        try:
            total = self.ftp.size(self.path)
            conn = self.ftp.transfercmd(f"RETR {self.path}", rest=offset or None)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                raise NotFound(f"remote media {self.shown} does not exist (FTP 550)") from None
            raise BackendError(f"FTP server of {self.shown} refused RETR: {str(exc)[:3]}") from None
        except (OSError, ftplib.Error, EOFError) as exc:
            raise BackendError(f"FTP error reading {self.shown}: {type(exc).__name__}") from None
        return conn, total

    def body(self, offset: int = 0, length: int | None = None) -> Body:
        conn, total = self._transfer(offset)

        def chunks() -> Generator[bytes, None, None]:
            left = length
            complete = False
            try:
                while left is None or left > 0:
                    want = CHUNK if left is None else min(CHUNK, left)
                    data = conn.recv(want)
                    if not data:
                        complete = True
                        break
                    if left is not None:
                        left -= len(data)
                    yield data
            except OSError as exc:
                raise BackendError(f"FTP transfer of {self.shown} broke: {type(exc).__name__}") from None
            finally:
                conn.close()
                self._finish(complete)

        return Body(start=offset, total=total, chunks=chunks())

    def stream(self, offset: int = 0) -> Stream:
        conn, total = self._transfer(offset)
        ended = False

        def readinto(view: memoryview) -> int:
            nonlocal ended
            try:
                n = conn.recv_into(view)
            except OSError as exc:
                raise BackendError(f"FTP transfer of {self.shown} broke: {type(exc).__name__}") from None
            ended = ended or n == 0
            return n

        def close() -> None:
            conn.close()
            self._finish(ended)

        return Stream(start=offset, total=total, readinto=readinto, close=close)

    def _finish(self, complete: bool) -> None:
        """Read the transfer's final reply; after a partial read the server reports the abort."""
        try:
            if complete:
                self.ftp.voidresp()
            else:
                self.ftp.abort()
                self.ftp.getresp()
        except (ftplib.Error, OSError, EOFError):
            pass  # the data we wanted has arrived; the control chatter after an abort varies by server

    def close(self) -> None:
        try:
            self.ftp.quit()
        except (ftplib.Error, OSError, EOFError):
            self.ftp.close()


def open_origin(url: str, *, verify: bool = True, timeout: float = TIMEOUT) -> Origin:
    """The reader for ``url``'s scheme; the URL is checked first."""
    parts = check_url(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return HttpOrigin(url, verify=verify, timeout=timeout)
    if scheme in ("ftp", "ftps"):
        return FtpOrigin(url, verify=verify, timeout=timeout)
    raise ValidationError(f"media URL scheme {scheme!r} is not allowed")


def read_head(origin: Origin, length: int) -> tuple[bytes, int | None]:
    """The first ``length`` bytes (fewer if the object is shorter) and the object's size."""
    body = origin.body(0, length)
    buf = bytearray()
    for chunk in body.chunks:
        buf += chunk
        if len(buf) >= length:
            break
    body.chunks.close()
    return bytes(buf[:length]), body.total
