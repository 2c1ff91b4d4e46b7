"""The test-guest builder: a valid newc initramfs, cached by content, clear errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hearth.errors import NotFound, ValidationError
from hearth.testing.guest import (
    DEFAULT_MODULES,
    GuestImage,
    build_initramfs,
    find_kernel,
    read_marker,
    wait_for_console,
)


def test_initramfs_is_valid_newc_with_init_busybox_and_modules(tmp_path: Path) -> None:
    image = build_initramfs(tmp_path)
    listing = subprocess.run(
        ["cpio", "-it", "--quiet"], input=image.read_bytes(), capture_output=True, check=True
    ).stdout.decode()
    names = set(listing.split())
    assert {"init", "bin/busybox", "bin/sh", "dev/console", "etc/modules"} <= names
    assert {f"lib/modules/{m}.ko" for m in DEFAULT_MODULES} <= names
    # Dependencies come first in the load order (virtio before virtio_blk).
    init = (
        subprocess.run(
            ["cpio", "-i", "--quiet", "--to-stdout", "etc/modules"],
            input=image.read_bytes(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()
    )
    assert init.index("virtio") < init.index("virtio_blk") and init.index("virtio_ring") < init.index(
        "virtio"
    )


def test_cache_reuses_the_same_file_and_changes_with_content(tmp_path: Path) -> None:
    first = build_initramfs(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert build_initramfs(tmp_path) == first
    assert first.stat().st_mtime_ns == mtime, "an unchanged build must not be rewritten"
    other = build_initramfs(tmp_path, modules=("button",))
    assert other != first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, other.name])


def test_missing_inputs_are_named(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="busybox not found"):
        build_initramfs(tmp_path, busybox=tmp_path / "no-busybox")
    with pytest.raises(NotFound, match="no-such-module"):
        build_initramfs(tmp_path, modules=("no-such-module",))
    with pytest.raises(NotFound, match="no cloud kernel"):
        find_kernel(tmp_path)


def test_append_and_marker_helpers(tmp_path: Path) -> None:
    kernel = find_kernel()
    assert kernel.name.startswith("vmlinuz-") and kernel.name.endswith("-cloud-amd64")
    image = GuestImage(kernel, tmp_path / "x")
    assert image.append("poweroff", "quiet") == "console=ttyS0 panic=-1 hearth.mode=poweroff quiet"
    with pytest.raises(ValidationError, match="unknown test guest mode"):
        image.append("sleep")
    assert read_marker("noise\nHEARTH-GUEST-READY uptime=2.31\n") == 2.31
    assert read_marker("nothing here") is None
    log = tmp_path / "console.log"
    log.write_text("booting\nstill booting\n")
    with pytest.raises(TimeoutError, match="still booting"):
        wait_for_console(log, "HEARTH-GUEST-READY", timeout=0.2)
