"""Typing media by content and listing local sources page by page (real files, real osinfo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hearth.errors import Forbidden, NotFound, ValidationError
from hearth.service.media.catalogue import list_source, locate, parse_types
from hearth.service.media.content import MediaType, classify
from hearth.service.media.identify import facts_of_fd, osinfo_recogniser
from hearth.service.media.listing import list_dir
from hearth.service.media.model import MediaSource, SourceType, parse_media_id
from hearth.service.media.paths import UPLOAD_DIR, open_file_inside
from tests.media.conftest import DEBIAN_VOLUME_ID, build_floppy, build_iso


def facts(path: Path):  # type: ignore[no-untyped-def]
    fd = os.open(path, os.O_RDONLY)
    try:
        return facts_of_fd(fd)
    finally:
        os.close(fd)


def test_iso_facts_come_from_the_volume_descriptors(tmp_path: Path) -> None:
    boot = facts(build_iso(tmp_path / "b.iso", "BOOTME", bootable=True))
    plain = facts(build_iso(tmp_path / "p.iso", "PLAIN"))
    assert boot is not None and plain is not None
    assert (boot.type, boot.volume_id, boot.bootable, boot.system_id) == (
        MediaType.iso,
        "BOOTME",
        True,
        "LINUX",
    )
    assert (plain.type, plain.volume_id, plain.bootable) == (MediaType.iso, "PLAIN", False)
    assert plain.size == (tmp_path / "p.iso").stat().st_size


@pytest.mark.parametrize(("size", "label"), [(737_280, "720K"), (1_474_560, "1.44M"), (2_949_120, "2.88M")])
def test_floppies_by_size_and_boot_sector(tmp_path: Path, size: int, label: str) -> None:
    got = facts(build_floppy(tmp_path / "f.bin", size))
    assert got is not None and (got.type, got.floppy, got.bootable) == (MediaType.vfd, label, True)


def test_floppy_sized_noise_and_odd_sizes_are_not_floppies(tmp_path: Path) -> None:
    noise = tmp_path / "noise.vfd"
    noise.write_bytes(b"\x01" * 1_474_560)
    assert facts(noise) is None
    assert facts(build_floppy(tmp_path / "odd.vfd", 1_000_000, signature=False)) is None
    odd_with_mbr = facts(build_floppy(tmp_path / "disk.img", 1_000_448))
    assert odd_with_mbr is not None and odd_with_mbr.type is MediaType.img  # a raw disk, not a floppy


def test_truncated_headers_are_not_media() -> None:
    assert classify(b"", 0) is None
    assert classify(b"\x00" * 0x8001 + b"CD001", 40000) is None  # signature without a full descriptor


def test_osinfo_recognises_a_debian_installer(tmp_path: Path) -> None:
    got = facts(build_iso(tmp_path / "d.iso", DEBIAN_VOLUME_ID))
    assert got is not None and osinfo_recogniser(got) == "debian11"
    other = facts(build_iso(tmp_path / "x.iso", "NOTHING_KNOWN_42"))
    assert other is not None and osinfo_recogniser(other) is None


def test_listing_types_entries_from_content_not_names(media_tree: Path) -> None:
    page = list_dir("s1", str(media_tree), "", recursive=True, recognise=osinfo_recogniser)
    by_path = {i.path: i for i in page.items}
    assert page.next is None
    assert set(by_path) == {
        "disk.qcow2",
        "floppies",
        "floppies/drivers.vfd",
        "floppies/small.img",
        "isos",
        "isos/debian.iso",
        "isos/old",
        "isos/old/ancient.dat",
        "isos/tools.iso",
    }  # notes.iso (text) and readme.txt are not media
    deb = by_path["isos/debian.iso"]
    assert (deb.type, deb.volume_id, deb.bootable, deb.os) == (
        MediaType.iso,
        DEBIAN_VOLUME_ID,
        True,
        "debian11",
    )
    assert by_path["isos/old/ancient.dat"].type is MediaType.iso
    assert (
        by_path["floppies/small.img"].type is MediaType.vfd and by_path["floppies/small.img"].floppy == "720K"
    )
    assert by_path["disk.qcow2"].type is MediaType.img and by_path["disk.qcow2"].format == "qcow2"
    assert by_path["isos"].is_dir and by_path["isos"].type is None
    assert parse_media_id(deb.id) == ("s1", "isos/debian.iso")


def test_type_filter_and_one_level_listing(media_tree: Path) -> None:
    top = list_dir("s1", str(media_tree))
    assert [i.path for i in top.items] == ["disk.qcow2", "floppies", "isos"]
    isos = list_dir("s1", str(media_tree), "", types=frozenset({MediaType.iso}), recursive=True)
    assert [i.path for i in isos.items] == ["isos/debian.iso", "isos/old/ancient.dat", "isos/tools.iso"]
    sub = list_dir("s1", str(media_tree), "floppies", types=parse_types("vfd"))
    assert [i.name for i in sub.items] == ["drivers.vfd", "small.img"]
    with pytest.raises(ValidationError, match="unknown"):
        parse_types("iso,exe")


def test_pagination_walks_a_large_tree_exactly_once(tmp_path: Path) -> None:
    root = tmp_path / "big"
    for d in range(7):
        sub = root / f"d{d}"
        sub.mkdir(parents=True)
        for f in range(9):
            build_floppy(sub / f"f{f}.vfd")
        (sub / "junk.txt").write_text("x")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = list_dir(
            "s", str(root), "", types=frozenset({MediaType.vfd}), recursive=True, limit=5, cursor=cursor
        )
        pages += 1
        seen += [i.path for i in page.items]
        assert len(page.items) <= 5
        if page.next is None:
            break
        cursor = page.next
    assert len(seen) == 63 and len(set(seen)) == 63
    assert seen == sorted(seen, key=lambda p: p.split("/"))
    assert pages == 13
    with pytest.raises(ValidationError, match="cursor"):
        list_dir("s", str(root), "", cursor="not-a-cursor!!")
    with pytest.raises(ValidationError, match="another path"):
        list_dir("s", str(root), "d1", cursor=page_cursor_for(("d0", "f1.vfd")))


def page_cursor_for(key: tuple[str, ...]) -> str:
    from hearth.service.media.listing import encode_cursor

    return encode_cursor(key)


def test_symlinks_inside_are_followed_outside_are_not(media_tree: Path, tmp_path: Path) -> None:
    secret = build_iso(tmp_path / "outside.iso", "SECRET")
    (media_tree / "escape.iso").symlink_to(secret)
    (media_tree / "alias.iso").symlink_to(media_tree / "isos" / "tools.iso")
    (media_tree / "dirlink").symlink_to(tmp_path)
    names = [i.path for i in list_dir("s", str(media_tree), recursive=True).items]
    assert "alias.iso" in names
    assert "escape.iso" not in names and not any(n.startswith("dirlink") for n in names)
    with pytest.raises(Forbidden):
        open_file_inside(media_tree, "escape.iso")
    with pytest.raises(Forbidden):
        open_file_inside(media_tree, "dirlink/outside.iso")


def test_fifos_and_unreadable_entries_do_not_hang_or_break_a_listing(media_tree: Path) -> None:
    os.mkfifo(media_tree / "pipe.iso")
    page = list_dir("s", str(media_tree))
    assert "pipe.iso" not in [i.path for i in page.items]
    with pytest.raises(ValidationError, match="not a regular file"):
        open_file_inside(media_tree, "pipe.iso")


def test_upload_area_is_never_listed_or_reachable(media_tree: Path) -> None:
    (media_tree / UPLOAD_DIR).mkdir()
    build_iso(media_tree / UPLOAD_DIR / "half.partial", "HALF")
    assert UPLOAD_DIR not in [i.path for i in list_dir("s", str(media_tree), recursive=True).items]
    with pytest.raises(Forbidden):
        open_file_inside(media_tree, f"{UPLOAD_DIR}/half.partial")


def test_locate_confines_and_classifies(media_tree: Path) -> None:
    src = MediaSource("s1", "local", SourceType.dir, path=str(media_tree), root=str(media_tree))
    found = locate(src, "isos/debian.iso")
    assert found.path == str(media_tree / "isos" / "debian.iso") and found.facts is not None
    with pytest.raises(ValidationError, match="not an ISO"):
        locate(src, "readme.txt")
    with pytest.raises(NotFound):
        locate(src, "isos/missing.iso")
    with pytest.raises(ValidationError, match="directory"):
        locate(src, "isos")
    page = list_source(src, "isos", types=frozenset({MediaType.iso}))
    assert [i.name for i in page.items] == ["debian.iso", "tools.iso"]
