"""cloud-init NoCloud seed ISOs: how keys and user data reach a guest on every backend.

The ISO carries ``user-data``, ``meta-data`` and optionally ``network-config`` under the volume
label ``cidata``. ISO 9660 alone only allows upper-case 8.3-ish names, so Joliet and Rock Ridge
records carry the real lower-case names cloud-init looks for. Keys go into meta-data
``public-keys`` so the user's own user-data (a script or #cloud-config) is passed on untouched.
Metadata is written as JSON, which YAML parsers read as-is.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycdlib

from hearth.errors import ValidationError

VOLUME_ID = "cidata"
DEFAULT_USER_DATA = "#cloud-config\n{}\n"
_HOSTNAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# (ISO 9660 name, Joliet/Rock Ridge name)
_FILES = {
    "user-data": "/USER_DATA.;1",
    "meta-data": "/META_DATA.;1",
    "network-config": "/NETWORK_CONFIG.;1",
}


@dataclass(frozen=True)
class SeedData:
    instance_id: str
    hostname: str
    ssh_keys: tuple[str, ...] = ()
    user_data: str | None = None
    network_config: Mapping[str, Any] | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.instance_id or any(c in self.instance_id for c in "\r\n"):
            raise ValidationError("the seed's instance-id must be one non-empty line")
        if not _HOSTNAME.match(self.hostname):
            raise ValidationError(
                f"{self.hostname!r} is not a valid hostname (letters, digits and '-', at most 63)"
            )
        for key in self.ssh_keys:
            if "\n" in key.strip():
                raise ValidationError("each ssh key must be a single line")


def hostname_for(name: str) -> str:
    """A valid hostname derived from a resource name (which may hold '.' and '_')."""
    label = re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")[:63].rstrip("-")
    return label or "instance"


def seed_files(seed: SeedData) -> dict[str, bytes]:
    """The file contents, by NoCloud file name."""
    meta: dict[str, Any] = {"instance-id": seed.instance_id, "local-hostname": seed.hostname}
    if seed.ssh_keys:
        meta["public-keys"] = [k.strip() for k in seed.ssh_keys]
    files = {
        "meta-data": (json.dumps(meta, indent=2) + "\n").encode(),
        "user-data": (DEFAULT_USER_DATA if seed.user_data is None else seed.user_data).encode(),
    }
    if seed.network_config is not None:
        files["network-config"] = (json.dumps(dict(seed.network_config), indent=2) + "\n").encode()
    return files


def build_seed_iso(seed: SeedData) -> bytes:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=VOLUME_ID)
    try:
        for name, data in seed_files(seed).items():
            iso.add_fp(io.BytesIO(data), len(data), _FILES[name], rr_name=name, joliet_path=f"/{name}")
        out = io.BytesIO()
        iso.write_fp(out)
        return out.getvalue()
    finally:
        iso.close()


def write_seed_iso(seed: SeedData, path: Path) -> Path:
    """Write the ISO atomically (a guest must never see a half-written seed), mode 0600: it
    carries the user's keys and user data. A driver whose hypervisor runs as another user
    widens it itself."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)  # an older file of that name keeps no wider mode
        out.write(build_seed_iso(seed))
    tmp.replace(path)
    return path


def read_seed_iso(data: bytes) -> dict[str, bytes]:
    """Read the NoCloud files back by their Rock Ridge names (for checks and diagnostics)."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    try:
        files: dict[str, bytes] = {}
        for name in _FILES:
            out = io.BytesIO()
            try:
                iso.get_file_from_iso_fp(out, rr_path=f"/{name}")
            except pycdlib.pycdlibexception.PyCdlibInvalidInput:
                continue
            files[name] = out.getvalue()
        return files
    finally:
        iso.close()


def volume_id(data: bytes) -> str:
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    try:
        ident: bytes = iso.pvd.volume_identifier
        return ident.decode().strip()
    finally:
        iso.close()
