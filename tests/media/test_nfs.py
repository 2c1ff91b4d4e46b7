"""NFS sources: argv construction, hostile server/export values, and the real mount/umount binaries.

This host's kernel has neither the nfs client nor nfsd (no modules, /proc/filesystems lists
no nfs), so no real export can be mounted here: the mount path is exercised against the real
``mount`` binary's failure, and unmounting against a real tmpfs mount at the mount point.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hearth.errors import BackendError, ValidationError
from hearth.service.media import nfs
from hearth.service.media.sources import activate, deactivate, define, nfs_mountpoint


def test_mount_argv_is_fixed_read_only_and_separate_items(tmp_path: Path) -> None:
    argv = nfs.mount_command("nas.example.org", "/export/isos", tmp_path / "m")
    assert argv == [
        "mount",
        "-t",
        "nfs",
        "-o",
        "ro,nosuid,nodev,noexec,soft,timeo=100,retrans=2",
        "nas.example.org:/export/isos",
        str(tmp_path / "m"),
    ]
    assert nfs.mount_command("::1", "/e", "/m")[5] == "[::1]:/e"
    assert nfs.mount_command("[fe80::1]", "/e", "/m")[5] == "[fe80::1]:/e"
    assert nfs.mount_command("10.0.0.5", "/e", "/m")[5] == "10.0.0.5:/e"


@pytest.mark.parametrize(
    "server",
    ["-oexec", "host,exec", "host:/x", "host /x", "", "a..b", "host;reboot", "$(id)", "x" * 300, "h\x00"],
)
def test_hostile_servers_are_refused(server: str) -> None:
    with pytest.raises(ValidationError, match="NFS server"):
        nfs.mount_command(server, "/export", "/mnt")


@pytest.mark.parametrize(
    "export", ["export", "/a/../etc", "/x,exec", "/x y", "/x\n", "-o", "/$(id)", "/x;y", "/" + "a" * 2000]
)
def test_hostile_exports_are_refused(export: str) -> None:
    with pytest.raises(ValidationError, match="NFS export"):
        nfs.mount_command("host", export, "/mnt")


def test_a_failed_mount_reports_mounts_own_reason_and_leaves_nothing(tmp_path: Path) -> None:
    src = define("n1", "nas", "nfs", state_dir=tmp_path, server="127.0.0.1", export="/srv/isos")
    assert src.root == str(nfs_mountpoint(tmp_path, "n1"))
    with pytest.raises(
        BackendError, match=r"mounting NFS export 127\.0\.0\.1:/srv/isos failed \(exit 32\)"
    ) as err:
        activate(src)
    assert err.value.details["exit_code"] == 32 and err.value.details["output"]
    assert not Path(src.root).exists()  # the mount point it created is gone again
    deactivate(src)  # deleting a source that never mounted is fine


def test_unmount_unmounts_a_real_mount_and_removes_the_point(tmp_path: Path) -> None:
    point = tmp_path / "state" / "media" / "nfs" / "n2"
    point.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], check=True)
    try:
        assert nfs.is_mounted(point)
        with pytest.raises(BackendError, match="already has something mounted"):
            nfs.mount("127.0.0.1", "/srv", point)
        nfs.unmount(point)
    finally:
        if nfs.is_mounted(point):
            subprocess.run(["umount", str(point)], check=False)
    assert not nfs.is_mounted(point) and not point.exists()
    nfs.unmount(point)  # idempotent
