"""Probing remote media over real loopback HTTP and FTP servers, and url-list sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.errors import NotFound, ValidationError
from hearth.media.urls import check_url, redact
from hearth.service.media.catalogue import list_source, locate
from hearth.service.media.content import HEAD_BYTES, MediaType
from hearth.service.media.identify import osinfo_recogniser
from hearth.service.media.model import SourceType, parse_media_id
from hearth.service.media.probe import probe_url, remote_key
from hearth.service.media.sources import define, public_urls
from tests.media.conftest import DEBIAN_VOLUME_ID, FtpServer, build_floppy, build_iso
from tests.media.httpserver import RangeServer

BIG = 300 << 20  # a 300 MiB ISO (sparse): probing must not download it


def test_http_probe_reads_the_head_only(http: RangeServer, tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "deb.iso", DEBIAN_VOLUME_ID, bootable=True, pad_to=BIG)
    url = http.add("/pub/deb.iso", iso)
    probe = probe_url(url)
    assert probe.stat.size == BIG and probe.stat.ranges and probe.stat.validator
    assert probe.facts is not None
    assert (probe.facts.type, probe.facts.volume_id, probe.facts.bootable) == (
        MediaType.iso,
        DEBIAN_VOLUME_ID,
        True,
    )
    assert probe.facts.size == BIG
    assert http.total_sent() <= HEAD_BYTES
    methods = [(m, r) for m, _, r in http.requests]
    assert methods == [("HEAD", None), ("GET", f"bytes=0-{HEAD_BYTES - 1}")]


def test_probe_without_range_support_stops_reading_early(tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "t.iso", "NORANGE", pad_to=64 << 20)
    with RangeServer(ranges=False) as server:
        probe = probe_url(server.add("/t.iso", iso))
        assert probe.facts is not None and probe.facts.volume_id == "NORANGE"
        assert not probe.stat.ranges
        assert server.total_sent() < 8 << 20  # the connection was dropped long before the end


def test_probe_errors_are_typed_and_redacted(http: RangeServer) -> None:
    with pytest.raises(NotFound, match="404"):
        probe_url(http.url("/missing.iso"))
    with pytest.raises(NotFound) as caught:
        probe_url(f"http://user:hunter2@127.0.0.1:{http.port}/missing.iso")
    assert "hunter2" not in caught.value.message and "user" not in caught.value.message
    with pytest.raises(ValidationError, match="scheme"):
        probe_url("file:///etc/passwd")
    with pytest.raises(ValidationError, match="names no file"):
        check_url("http://example.org/")


def test_ftp_probe_and_credentials(ftp: FtpServer) -> None:
    root: Path = ftp.root  # type: ignore[attr-defined]
    (root / "isos").mkdir()
    build_iso(root / "isos" / "deb.iso", DEBIAN_VOLUME_ID, bootable=True, pad_to=BIG)
    build_floppy(root / "drv.vfd")
    anon = probe_url(ftp.url("isos/deb.iso"))
    assert anon.facts is not None and anon.facts.volume_id == DEBIAN_VOLUME_ID and anon.stat.size == BIG
    user = probe_url(ftp.url("drv.vfd", user="media:s3cret-pw"))
    assert user.facts is not None and user.facts.type is MediaType.vfd
    with pytest.raises(NotFound):
        probe_url(ftp.url("nope.iso"))


def test_url_list_source_lists_probed_pages_without_secrets(http: RangeServer, tmp_path: Path) -> None:
    urls = []
    for i in range(5):
        iso = build_iso(tmp_path / f"{i}.iso", f"DISC_{i}")
        urls.append(http.add(f"/d/{i}.iso", iso))
    urls.insert(2, http.url("/d/gone.iso"))
    secret = f"http://mirror:pa55word@127.0.0.1:{http.port}/d/0.iso?token=1"
    urls.append(secret)
    src = define("u1", "mirror", "url-list", state_dir=tmp_path, urls=urls)
    assert all("pa55word" not in u for u in public_urls(src))
    first = list_source(src, limit=3)
    assert [i.name for i in first.items] == ["0.iso", "1.iso", "gone.iso"]
    assert first.items[2].error and "404" in first.items[2].error and first.items[2].type is None
    assert first.next is not None
    rest = list_source(src, limit=10, cursor=first.next, types=frozenset({MediaType.iso}))
    assert [i.volume_id for i in rest.items] == ["DISC_2", "DISC_3", "DISC_4", "DISC_0"]
    assert rest.next is None
    for item in first.items + rest.items:
        assert "pa55word" not in repr(item)
    assert parse_media_id(rest.items[-1].id) == ("u1", remote_key(secret))
    assert locate(src, remote_key(secret)).url == secret  # the service may still use the real URL
    with pytest.raises(NotFound):
        locate(src, "url:" + "0" * 32)


def test_url_list_recognises_the_os(http: RangeServer, tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "deb.iso", DEBIAN_VOLUME_ID, bootable=True)
    src = define("u2", "deb", SourceType.url_list, state_dir=tmp_path, urls=[http.add("/deb.iso", iso)])
    item = list_source(src, recognise=osinfo_recogniser).items[0]
    assert item.os == "debian11" and item.bootable and item.remote


def test_source_definitions_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs path"):
        define("s", "n", "dir", state_dir=tmp_path)
    with pytest.raises(ValidationError, match="does not take urls"):
        define("s", "n", "dir", state_dir=tmp_path, path=str(tmp_path), urls=["http://h/x.iso"])
    with pytest.raises(ValidationError, match="unknown"):
        define("s", "n", "s3", state_dir=tmp_path)
    with pytest.raises(ValidationError, match="scheme"):
        define("s", "n", "url-list", state_dir=tmp_path, urls=["gopher://h/x.iso"])
    with pytest.raises(ValidationError, match="twice"):
        define("s", "n", "url-list", state_dir=tmp_path, urls=["http://h/x.iso", "http://h/x.iso"])
    with pytest.raises(ValidationError, match="not an existing directory"):
        define("s", "n", "dir", state_dir=tmp_path, path=str(tmp_path / "nope"))
    ok = define("s", "n", "dir", state_dir=tmp_path, path=str(tmp_path))
    assert ok.root == str(tmp_path.resolve())


def test_redaction_masks_every_credential_shape() -> None:
    for url in (
        "http://u:p@h/x.iso",
        "ftp://user:pa@ss@h/x.iso",
        "https://u:p/a@h/x.iso",
        "ftps://token@h:990/x.iso",
    ):
        shown = redact(url)
        assert shown.startswith(url.split("://")[0] + "://***@")
        assert "p@" not in shown and "token" not in shown and "pa@ss" not in shown


def test_network_disk_xml_for_remote_media() -> None:
    from hearth.media.attach import RemoteOptions, removable_disk

    disk = removable_disk(
        "cdrom",
        "sdb",
        "sata",
        url="https://mirror.example:8443/isos/d%20i.iso?sig=abc",
        options=RemoteOptions(sslverify=False, readahead_bytes=1 << 20, timeout_seconds=30),
    )
    assert (disk.type, disk.source_protocol, disk.source_name, disk.source_query) == (
        "network",
        "https",
        "/isos/d%20i.iso",
        "sig=abc",
    )
    assert [(h.name, h.port) for h in disk.source_hosts] == [("mirror.example", 8443)]
    assert (disk.source_ssl_verify, disk.source_readahead_bytes, disk.source_timeout_seconds) == (
        False,
        1 << 20,
        30,
    )
    assert disk.readonly and disk.device == "cdrom"
    with pytest.raises(ValidationError, match="credentials"):
        removable_disk("cdrom", "sdb", "sata", url="http://u:p@h/x.iso")
    with pytest.raises(ValidationError, match="multiple of 512"):
        RemoteOptions(readahead_bytes=1000)
    with pytest.raises(ValidationError, match="cdrom or floppy"):
        removable_disk("disk", "vda", "virtio", path="/x.iso")
    empty = removable_disk("floppy", "fda", "fdc")
    assert empty.source_file is None and empty.type == "file"
