"""Fixtures for designer tests: real images made by qemu-img, real libvirt for validation."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from hearth.designer import Designer


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    """One small image per format, created by the real qemu-img."""
    out: dict[str, Path] = {}
    for fmt in ("qcow2", "raw", "vmdk", "vdi", "vhdx", "qed", "vpc"):
        path = tmp_path / f"disk-{fmt}.img"
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(path), "8M"], check=True)
        out[fmt] = path
    return out


@pytest.fixture
def iso(tmp_path: Path) -> Path:
    import pycdlib

    path = tmp_path / "install.iso"
    cd = pycdlib.PyCdlib()
    cd.new(interchange_level=3, vol_ident="HEARTH_TEST")
    cd.add_fp(__import__("io").BytesIO(b"hello\n"), 6, "/README.;1")
    cd.write(str(path))
    cd.close()
    return path


@pytest.fixture
def block_device(tmp_path: Path) -> Iterator[str]:
    """A real block device: a loop device over a qcow2 file."""
    backing = tmp_path / "loop.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(backing), "16M"], check=True)
    dev = subprocess.run(
        ["losetup", "-f", "--show", str(backing)], check=True, capture_output=True, text=True
    ).stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


@pytest.fixture
def designer() -> Designer:
    return Designer()


def facts(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def validate(xml: str, tmp_path: Path, kind: str = "domain") -> None:
    """libvirt's own schema check (virt-xml-validate from libvirt-clients)."""
    assert shutil.which("virt-xml-validate"), "virt-xml-validate (libvirt-clients) is required"
    path = tmp_path / "design.xml"
    path.write_text(xml)
    res = subprocess.run(["virt-xml-validate", str(path), kind], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr + "\n" + xml
