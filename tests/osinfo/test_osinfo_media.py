"""Recognising install media: volume ids through libosinfo, and real ISO files built with pycdlib."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pycdlib
import pytest

from hearth.errors import NotFound, ValidationError
from hearth.osinfo import IsoIdentity, OSDatabase, read_iso_identity
from tests.osinfo.groundtruth import os_xml


def build_iso(path: Path, volume_id: str, system_id: str = "LINUX", publisher: str = "") -> Path:
    iso = pycdlib.PyCdlib()
    iso.new(
        interchange_level=3,
        vol_ident=volume_id,
        sys_ident=system_id,
        pub_ident_str=publisher,
        app_ident_str="HEARTH TESTS",
    )
    data = b"hearth test medium\n"
    iso.add_fp(io.BytesIO(data), len(data), "/README.TXT;1")
    iso.write(str(path))
    iso.close()
    return path


def debian11_pattern(arch: str) -> str:
    for media in os_xml("debian11").findall("media"):
        if media.get("arch") == arch and media.find("iso/volume-id") is not None:
            return media.findtext("iso/volume-id") or ""
    raise AssertionError(f"debian11 has no {arch} media in the XML")


def test_debian_volume_id_is_recognised(db: OSDatabase) -> None:
    volume_id = "Debian 11.6.0 amd64 n"
    assert re.search(debian11_pattern("x86_64"), volume_id)  # the XML agrees it should match
    match = db.match_media(volume_id)
    assert match is not None
    assert match.os.short_id == "debian11"
    assert match.media.arch == "x86_64"
    assert match.media in match.os.media
    assert db.identify_media(volume_id) is match.os


def test_arch_restricts_the_match(db: OSDatabase) -> None:
    assert db.identify_media("Debian 11.6.0 amd64 n", arch="x86_64") is db.get("debian11")
    assert db.identify_media("Debian 11.6.0 amd64 n", arch="amd64") is db.get("debian11")  # uname spelling
    assert db.identify_media("Debian 11.6.0 amd64 n", arch="aarch64") is None


def test_other_families_are_recognised(db: OSDatabase) -> None:
    fedora = db.match_media("Fedora-S-dvd-x86_64-37", system_id="LINUX")
    assert fedora is not None and fedora.os.short_id == "fedora37"
    server = db.match_media("Ubuntu-Server 22.04.1 LTS arm64")
    assert server is not None and server.os.short_id == "ubuntu22.04" and server.media.arch == "aarch64"
    win = db.identify_media("CCSA_X64FREE_EN-US_DV5", publisher_id="MICROSOFT CORPORATION")
    assert win is not None and win.short_id == "win11"


def test_unknown_volume_id_matches_nothing(db: OSDatabase) -> None:
    assert db.match_media("HEARTH SCRATCH VOLUME") is None


def test_empty_volume_id_is_refused(db: OSDatabase) -> None:
    with pytest.raises(ValidationError):
        db.match_media(" ")


def test_iso_identity_is_read_from_the_primary_descriptor(tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "a.iso", "HEARTH_VOL", system_id="HEARTHSYS", publisher="HEARTH PUBLISHER")
    assert read_iso_identity(iso) == IsoIdentity(
        volume_id="HEARTH_VOL",
        system_id="HEARTHSYS",
        publisher_id="HEARTH PUBLISHER",
        application_id="HEARTH TESTS",
    )


def test_identify_iso_of_a_debian_image(db: OSDatabase, tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "debian.iso", "Debian 11.6.0 amd64 n")
    assert db.identify_iso(iso) is db.get("debian11")
    match = db.match_iso(iso)
    assert match is not None and match.media.arch == "x86_64"


def test_identify_iso_of_a_fedora_image(db: OSDatabase, tmp_path: Path) -> None:
    iso = build_iso(tmp_path / "fedora.iso", "Fedora-S-dvd-x86_64-37")
    found = db.identify_iso(iso)
    assert found is not None and found.short_id == "fedora37"


def test_identify_iso_of_an_unknown_image(db: OSDatabase, tmp_path: Path) -> None:
    assert db.identify_iso(build_iso(tmp_path / "scratch.iso", "HEARTH_SCRATCH")) is None


def test_identify_iso_in_a_written_tree(tree_db: OSDatabase, tmp_path: Path) -> None:
    match = tree_db.match_iso(build_iso(tmp_path / "t.iso", "HEARTH-TEST-7-A64"))
    assert match is not None
    assert (match.os.short_id, match.media.arch) == ("hparent", "aarch64")


def test_not_an_iso_is_one_clear_error(db: OSDatabase, tmp_path: Path) -> None:
    junk = tmp_path / "junk.iso"
    junk.write_bytes(b"\0" * (40 * 2048))
    with pytest.raises(ValidationError, match="not an ISO 9660 image"):
        db.identify_iso(junk)
    with pytest.raises(ValidationError, match="is a directory"):
        db.identify_iso(tmp_path)


def test_missing_iso_is_not_found(db: OSDatabase, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        db.identify_iso(tmp_path / "nope.iso")
