"""Remote media in a real running guest under libvirt (qemu:///system, TCG) and QEMU's curl driver.

The guest is the tiny test guest (cloud kernel + busybox initramfs), defined directly with
libvirt: the ``<disk>`` elements under test come from ``hearth.media.attach`` and are applied
with the same live ``updateDeviceFlags`` the libvirt driver uses for device changes. QEMU's own
view (``query-block``) and the loopback server's request log show what QEMU really opened.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu
import pytest

from hearth.media.attach import RemoteOptions, removable_disk
from hearth.service.media.cache import MediaCache
from hearth.testing.guest import MARKER, GuestImage, guest_image, wait_for_console
from tests.media.conftest import DEBIAN_VOLUME_ID, build_iso
from tests.media.httpserver import RangeServer

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]
URI = "qemu:///system"


@pytest.fixture(scope="module")
def guest() -> GuestImage:
    """The test guest cached where QEMU, running as libvirt-qemu, can read it (not under /tmp/pytest-of-*)."""
    cache = Path("/var/tmp/hearth-media-guest")
    cache.mkdir(mode=0o755, exist_ok=True)
    return guest_image(cache)


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(f"/var/tmp/hearth-media-{secrets.token_hex(4)}")
    path.mkdir(mode=0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def domain_xml(name: str, guest: GuestImage, console: Path, cdrom_xml: str) -> str:
    return f"""<domain type="qemu">
  <name>{name}</name>
  <memory unit="MiB">192</memory>
  <vcpu>1</vcpu>
  <os><type arch="x86_64" machine="pc">hvm</type>
    <kernel>{guest.kernel}</kernel><initrd>{guest.initrd}</initrd>
    <cmdline>{guest.append("wait")}</cmdline></os>
  <devices>
    {cdrom_xml}
    <serial type="file"><source path="{console}"/><target port="0"/></serial>
    <video><model type="none"/></video><memballoon model="none"/>
  </devices>
</domain>"""


def inserted(dom: Any, dev: str = "ide0-1-0") -> dict[str, Any] | None:
    """QEMU's record of the medium in the cdrom (None when the tray is empty)."""
    out = json.loads(libvirt_qemu.qemuMonitorCommand(dom, '{"execute":"query-block"}', 0))
    for block in out["return"]:
        if block.get("qdev", "").endswith(dev) or block.get("device", "") == f"drive-{dev}":
            found: dict[str, Any] | None = block.get("inserted")
            return found
    raise AssertionError(f"no block device {dev} in {out}")


def requests_for(server: RangeServer, path: str) -> list[tuple[str, str, str | None]]:
    return [r for r in server.requests if r[1] == path]


def wait_until(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_remote_iso_as_network_cdrom_change_eject_and_cache(
    guest: GuestImage, workdir: Path, http: RangeServer
) -> None:
    conn = libvirt.open(URI)
    big = 64 << 20
    url_a = http.add(
        "/pub/debian.iso", build_iso(workdir / "a.iso", DEBIAN_VOLUME_ID, bootable=True, pad_to=big)
    )
    url_b = http.add("/pub/tools.iso", build_iso(workdir / "b.iso", "TOOLS", pad_to=big))
    console = workdir / "console.log"
    first = removable_disk(
        "cdrom",
        "hdc",
        "ide",
        url=url_a + "?rev=1",
        options=RemoteOptions(readahead_bytes=65536, timeout_seconds=20),
    )
    name = f"hmedia-{secrets.token_hex(4)}"
    dom = conn.createXML(domain_xml(name, guest, console, first.to_xml()), 0)
    try:
        wait_for_console(console, MARKER, timeout=120)
        # QEMU opened the remote ISO itself (curl): a ranged read, nothing like the whole file.
        medium = inserted(dom)
        assert medium is not None and "http://127.0.0.1" in medium["file"] and "debian.iso" in medium["file"]
        assert medium["ro"] is True
        assert requests_for(http, "/pub/debian.iso")
        assert http.sent["/pub/debian.iso"] < big // 4
        xml = dom.XMLDesc(0)
        assert 'protocol="http"' in xml.replace("'", '"') and "rev=1" in xml

        # live change to another remote ISO
        dom.updateDeviceFlags(
            removable_disk("cdrom", "hdc", "ide", url=url_b).to_xml(), libvirt.VIR_DOMAIN_AFFECT_LIVE
        )
        medium = wait_until(lambda: (m := inserted(dom)) and "tools.iso" in m["file"] and m)
        assert medium and "tools.iso" in medium["file"]
        assert requests_for(http, "/pub/tools.iso")

        # live eject
        dom.updateDeviceFlags(removable_disk("cdrom", "hdc", "ide").to_xml(), libvirt.VIR_DOMAIN_AFFECT_LIVE)
        wait_until(lambda: inserted(dom) is None)
        assert inserted(dom) is None

        # cache it: the first fetch downloads once, a second VM's attach costs the origin nothing
        cache = MediaCache(workdir / "cache", 1 << 30)
        filled = cache.fetch(url_a, user=name)
        assert filled.downloaded == big
        before = http.total_sent()
        again = cache.fetch(url_a, user="second-vm")
        assert again.hit and again.downloaded == 0
        dom.updateDeviceFlags(
            removable_disk("cdrom", "hdc", "ide", path=again.entry.path).to_xml(),
            libvirt.VIR_DOMAIN_AFFECT_LIVE,
        )
        medium = wait_until(lambda: (m := inserted(dom)) and m["file"] == again.entry.path and m)
        assert medium and medium["file"] == again.entry.path
        time.sleep(1.0)  # give QEMU time to read the medium's header, as it does on insert
        assert http.total_sent() == before  # 0 bytes from the origin for the cached attach
        assert os.path.getsize(again.entry.path) == big
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            dom.destroy()
        conn.close()
