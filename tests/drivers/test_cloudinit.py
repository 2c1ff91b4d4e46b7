"""NoCloud seed ISOs, read back with pycdlib through every directory tree a guest might use."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pycdlib
import pytest

from hearth.drivers.cloudinit import (
    SeedData,
    build_seed_iso,
    hostname_for,
    read_seed_iso,
    volume_id,
    write_seed_iso,
)
from hearth.errors import ValidationError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB2S8a2n1o4b2XJZ9Oq2FbWQ0pX1JpZ8s0xS0g4Kp4wL alice"


def _open(data: bytes) -> pycdlib.PyCdlib:
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    return iso


def _get(iso: pycdlib.PyCdlib, **path: str) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, **path)
    return out.getvalue()


def test_seed_has_cidata_label_and_lowercase_names_in_joliet_and_rock_ridge() -> None:
    seed = SeedData("i-42", "web-1", ssh_keys=(KEY,), user_data="#!/bin/sh\necho hello\n")
    data = build_seed_iso(seed)
    assert volume_id(data) == "cidata"
    iso = _open(data)
    try:
        assert iso.has_joliet() and iso.has_rock_ridge()
        joliet = sorted(c.file_identifier().decode("utf-16-be") for c in iso.list_children(joliet_path="/"))
        assert [n for n in joliet if n not in (".", "..", "\x00", "\x01")] == ["meta-data", "user-data"]
        rr = sorted(
            c.rock_ridge.name().decode()
            for c in iso.list_children(rr_path="/")
            if c.rock_ridge and c.rock_ridge.name() not in (b".", b"..")
        )
        assert rr == ["meta-data", "user-data"]
        assert _get(iso, joliet_path="/user-data") == b"#!/bin/sh\necho hello\n"
        meta = json.loads(_get(iso, rr_path="/meta-data"))
    finally:
        iso.close()
    assert meta == {"instance-id": "i-42", "local-hostname": "web-1", "public-keys": [KEY]}


def test_defaults_and_network_config() -> None:
    netcfg = {"version": 2, "ethernets": {"eth0": {"dhcp4": True}}}
    files = read_seed_iso(build_seed_iso(SeedData("i-1", "h", network_config=netcfg)))
    assert files["user-data"].startswith(b"#cloud-config")
    assert "public-keys" not in json.loads(files["meta-data"])
    assert json.loads(files["network-config"]) == netcfg


def test_write_is_atomic_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = write_seed_iso(SeedData("i-1", "h"), tmp_path / "seed.iso")
    assert read_seed_iso(path.read_bytes())["meta-data"]
    assert [p.name for p in tmp_path.iterdir()] == ["seed.iso"]


def test_a_seed_is_readable_by_its_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        (tmp_path / "seed.iso.tmp").write_bytes(b"stale")
        (tmp_path / "seed.iso.tmp").chmod(0o666)
        path = write_seed_iso(SeedData("i-1", "h", ssh_keys=("ssh-ed25519 AAAA k",)), tmp_path / "seed.iso")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"instance_id": "", "hostname": "h"}, "instance-id"),
        ({"instance_id": "a\nb", "hostname": "h"}, "instance-id"),
        ({"instance_id": "i", "hostname": "-bad"}, "not a valid hostname"),
        ({"instance_id": "i", "hostname": "under_score"}, "not a valid hostname"),
        ({"instance_id": "i", "hostname": "h", "ssh_keys": ("a\nb",)}, "single line"),
    ],
)
def test_bad_seed_data_is_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SeedData(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "host"),
    [("web_1.prod", "web-1-prod"), ("--x--", "x"), ("___", "instance"), ("a" * 70, "a" * 63)],
)
def test_hostnames_derived_from_names_are_valid(name: str, host: str) -> None:
    assert hostname_for(name) == host
    SeedData("i", hostname_for(name))  # accepted by the seed's own check
