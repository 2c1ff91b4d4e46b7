"""Remote media in a real running guest under QEMU directly (hearth.qemu, TCG), over QMP.

The tiny test guest runs with an empty cdrom; ``hearth.media.attach.qmp_medium`` gives the
``blockdev-change-medium`` arguments that put a remote ISO (QEMU's curl driver, reading the
loopback server by range) or a cached local copy in the drive, and QEMU's ``query-block`` and
the server's byte counter show what really happened.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.media.attach import RemoteOptions, qmp_medium
from hearth.qemu import Supervisor
from hearth.qemu import devices as dev
from hearth.service.media.cache import MediaCache
from hearth.testing.guest import GuestImage, guest_image
from tests.media.conftest import DEBIAN_VOLUME_ID, build_iso
from tests.media.httpserver import RangeServer
from tests.qemu._support import guest_machine, short_dir, wait_ready

pytestmark = pytest.mark.guest


@pytest.fixture(scope="module")
def guest(tmp_path_factory: pytest.TempPathFactory) -> GuestImage:
    return guest_image(tmp_path_factory.getbasetemp().parent / "hearth-guest-cache")


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    path = short_dir("hmq-")
    sup = Supervisor(path)
    yield sup
    for name in sup.names():
        if sup.info(name).pid is not None:
            sup.get(name).kill()
    sup.close()
    shutil.rmtree(path, ignore_errors=True)


def test_remote_iso_change_eject_and_cached_copy_under_qemu(
    guest: GuestImage, supervisor: Supervisor, http: RangeServer, tmp_path: Path
) -> None:
    big = 32 << 20
    url_a = http.add("/pub/debian.iso", build_iso(tmp_path / "a.iso", DEBIAN_VOLUME_ID, pad_to=big))
    url_b = http.add("/pub/tools.iso", build_iso(tmp_path / "b.iso", "TOOLS", pad_to=big))
    machine = guest_machine(guest, "media1")
    machine.add(dev.cdrom("cd0"))
    vm = supervisor.launch(machine)
    wait_ready(vm)

    def cd() -> dict[str, Any]:
        return next(b for b in vm.query_block() if b["qdev"] == "cd0")

    assert "inserted" not in cd()
    vm.qmp.execute(
        "blockdev-change-medium", qmp_medium("cd0", url=url_a, options=RemoteOptions(readahead_bytes=65536))
    )
    medium = cd()["inserted"]
    assert "debian.iso" in medium["file"] and medium["ro"] is True
    assert http.sent["/pub/debian.iso"] < big // 4  # ranged reads, never the whole image
    assert ("HEAD", "/pub/debian.iso", None) in http.requests  # QEMU's curl driver asked for the size

    vm.qmp.execute("blockdev-change-medium", qmp_medium("cd0", url=url_b))  # live change
    assert "tools.iso" in cd()["inserted"]["file"]
    vm.eject("cd0")  # live eject
    assert "inserted" not in cd()

    cache = MediaCache(tmp_path / "cache", 1 << 30)
    assert cache.fetch(url_a, user="vm-1").downloaded == big
    before = http.total_sent()
    second = cache.fetch(url_a, user="vm-2")
    assert second.hit and second.downloaded == 0
    vm.qmp.execute("blockdev-change-medium", qmp_medium("cd0", path=second.entry.path))
    assert cd()["inserted"]["file"] == second.entry.path
    time.sleep(1.0)  # QEMU probes the new medium on insert; nothing may reach the origin
    assert http.total_sent() == before
