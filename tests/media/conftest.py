"""Fixtures for media tests: real media files built here, a real HTTP server and FTP server on loopback."""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pycdlib
import pytest

from tests.media.httpserver import RangeServer

DEBIAN_VOLUME_ID = "Debian 11.6.0 amd64 n"  # matches osinfo's debian11 x86_64 media pattern


def build_iso(path: Path, volume_id: str = "HEARTH_TEST", *, bootable: bool = False, pad_to: int = 0) -> Path:
    """A real ISO 9660 image (pycdlib); ``bootable`` adds an El Torito boot catalogue."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, vol_ident=volume_id, sys_ident="LINUX", app_ident_str="HEARTH TESTS")
    data = b"hearth test medium\n"
    iso.add_fp(io.BytesIO(data), len(data), "/README.TXT;1")
    if bootable:
        boot = b"\xeb\xfe" + b"\x00" * 2046
        iso.add_fp(io.BytesIO(boot), len(boot), "/BOOT.IMG;1")
        iso.add_eltorito("/BOOT.IMG;1", bootcatfile="/BOOT.CAT;1")
    iso.write(str(path))
    iso.close()
    if pad_to:
        with open(path, "r+b") as fh:
            fh.truncate(pad_to)  # a big ISO without the disk cost (tail is a hole)
    return path


def build_floppy(path: Path, size: int = 1_474_560, *, signature: bool = True) -> Path:
    sector = bytearray(512)
    sector[0:3] = b"\xeb\x3c\x90"
    sector[3:11] = b"MSDOS5.0"
    sector[11:13] = (512).to_bytes(2, "little")
    if signature:
        sector[510:512] = b"\x55\xaa"
    with open(path, "wb") as fh:
        fh.write(sector)
        fh.truncate(size)
    return path


def build_qcow2(path: Path) -> Path:
    header = b"QFI\xfb" + (3).to_bytes(4, "big") + b"\x00" * 96
    path.write_bytes(header + b"\x00" * 4000)
    return path


@pytest.fixture
def http() -> Iterator[RangeServer]:
    with RangeServer() as server:
        yield server


@pytest.fixture
def media_tree(tmp_path: Path) -> Path:
    """A dir source: ISOs (one bootable Debian), floppies, a qcow2, non-media, nested dirs."""
    root = tmp_path / "src"
    (root / "isos" / "old").mkdir(parents=True)
    (root / "floppies").mkdir()
    build_iso(root / "isos" / "debian.iso", DEBIAN_VOLUME_ID, bootable=True)
    build_iso(root / "isos" / "tools.iso", "TOOLS")
    build_iso(root / "isos" / "old" / "ancient.dat", "ANCIENT")  # an ISO whatever its name
    build_floppy(root / "floppies" / "drivers.vfd")
    build_floppy(root / "floppies" / "small.img", 737_280)
    build_qcow2(root / "disk.qcow2")
    (root / "notes.iso").write_text("not an iso at all\n")  # a name is not a type
    (root / "readme.txt").write_text("hello\n")
    return root


class FtpServer:
    """pyftpdlib on loopback, anonymous read-only plus one user, in a thread."""

    def __init__(self, root: Path) -> None:
        with warnings.catch_warnings():  # pyftpdlib still imports asyncore/asynchat
            warnings.simplefilter("ignore", DeprecationWarning)
            from pyftpdlib.authorizers import DummyAuthorizer
            from pyftpdlib.handlers import FTPHandler
            from pyftpdlib.servers import ThreadedFTPServer

        auth = DummyAuthorizer()
        auth.add_anonymous(str(root))
        auth.add_user("media", "s3cret-pw", str(root), perm="elr")
        handler = type("Handler", (FTPHandler,), {"authorizer": auth, "banner": "hearth test ftp"})
        self.server = ThreadedFTPServer(("127.0.0.1", 0), handler)
        self.port = int(self.server.address[1])
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"blocking": True}, daemon=True
        )

    def url(self, name: str, user: str | None = None) -> str:
        cred = f"{user}@" if user else ""
        return f"ftp://{cred}127.0.0.1:{self.port}/{name}"


@pytest.fixture
def ftp(tmp_path: Path) -> Iterator[FtpServer]:
    import logging

    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    root = tmp_path / "ftp"
    root.mkdir()
    server = FtpServer(root)
    server.thread.start()
    server.root = root  # type: ignore[attr-defined]
    yield server
    server.server.close_all()
    server.thread.join(timeout=5)
