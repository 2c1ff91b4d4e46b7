"""The ``disks`` contract on real backends: remote media as a network cdrom, live change and eject,
then the media cache, whose second VM's attach takes 0 bytes from the origin.

Runs on the mock, on libvirt (qemu:///system, real TCG guests) and on the qemu driver (real TCG
guests). What QEMU opened is seen from the loopback server's own request log.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hearth.drivers import Caller, Driver, wait_for_state
from hearth.drivers.resources import DiskCreate, DiskUpdate, InstanceCreate, parse_request
from hearth.errors import InvalidState, NotFound, ValidationError
from hearth.service.media.cache import MediaCache
from hearth.vocab.instance_states import InstanceState
from tests.media.conftest import DEBIAN_VOLUME_ID, build_iso
from tests.media.httpserver import RangeServer

ALICE = Caller("alice")
BOB = Caller("bob")
SHARED = Path("/var/tmp/hearth-media-tests")  # readable by libvirt-qemu, unlike pytest's tmp dirs


def _shared(path: Path) -> Path:
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    os.chmod(path, 0o755)
    return path


@contextmanager
def mock_driver(work: Path) -> Iterator[tuple[Driver, str, str, float]]:
    from hearth.drivers.mock import MockTiming, open_mock_driver
    from hearth.store import default_url

    driver = open_mock_driver(default_url(work), timing=MockTiming(0.05, 0.05))
    try:
        yield driver, "debian-12", "small", 10.0
    finally:
        driver.close()


@contextmanager
def libvirt_driver(work: Path) -> Iterator[tuple[Driver, str, str, float]]:
    from hearth.drivers.libvirt import LibvirtConfig, open_libvirt_driver
    from hearth.drivers.libvirt.config import Host
    from tests.drivers.contract.libvirt_cases import GUEST_IMAGE, guest_files, purge, register_guest
    from tests.libvirt_host import unique_prefix

    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    prefix = unique_prefix("hm")
    config = LibvirtConfig(
        hosts=(Host("local", "qemu:///system"),),
        state_dir=_shared(work / "state"),
        prefix=prefix,
        accel="tcg",
        file_roots=(work / "cache",),
        pool=f"{prefix}pool",
        pool_path=str(_shared(work / "pool")),
    )
    driver = open_libvirt_driver(config)
    try:
        register_guest(driver, guest_files())
        yield driver, GUEST_IMAGE, "small", 90.0
    finally:
        driver.close()
        purge("qemu:///system", prefix)


@contextmanager
def qemu_driver(work: Path) -> Iterator[tuple[Driver, str, str, float]]:
    from hearth.drivers.qemu import open_qemu_driver
    from tests.drivers.contract.libvirt_cases import guest_files
    from tests.drivers.qemu.case import GUEST_IMAGE, register_guest, short_dir

    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    run = short_dir("hmq-")
    roots = [guest.kernel.parent, guest.initrd.parent, work / "cache"]
    driver = open_qemu_driver(work / "qemu", run_dir=run, media_roots=roots)
    try:
        register_guest(driver, guest)
        yield driver, GUEST_IMAGE, "small", 90.0
    finally:
        driver.power_off_all()
        driver.close()
        shutil.rmtree(run, ignore_errors=True)


DRIVERS = {"mock": mock_driver, "libvirt-system": libvirt_driver, "qemu": qemu_driver}


@pytest.fixture
def work() -> Iterator[Path]:
    path = _shared(_shared(SHARED) / f"w-{secrets.token_hex(4)}")
    (path / "cache").mkdir(mode=0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def cdrom(url: str | None = None, path: str | None = None, **opts: object) -> dict[str, object] | None:
    if url is None and path is None:
        return None
    return {"url": url, "path": path, **opts}


@pytest.mark.parametrize("backend", sorted(DRIVERS))
def test_network_cdrom_live_change_eject_and_cache(backend: str, work: Path, http: RangeServer) -> None:
    size = 48 << 20
    url_a = http.add(
        "/pub/debian.iso", build_iso(work / "a.iso", DEBIAN_VOLUME_ID, bootable=True, pad_to=size)
    )
    url_b = http.add("/pub/tools.iso", build_iso(work / "b.iso", "TOOLS", pad_to=size))
    real = backend != "mock"
    with DRIVERS[backend](work) as (driver, image, hwp, wait):

        def boot() -> str:
            req = InstanceCreate.model_validate({"image_id": image, "hwp_id": hwp})
            inst = driver.create_instance(ALICE, req)
            return wait_for_state(driver, ALICE, inst.id, InstanceState.RUNNING, timeout=wait).id

        def restart(iid: str, state: InstanceState) -> None:
            if state is InstanceState.STOPPED:
                driver.stop_instance(ALICE, iid, force=True)
            else:
                driver.start_instance(ALICE, iid)
            wait_for_state(driver, ALICE, iid, state, timeout=wait)

        first = boot()
        # a running guest without an empty drive cannot get one hot-plugged
        with pytest.raises(InvalidState, match="hot-plugged"):
            driver.create_disk(
                ALICE, first, parse_request(DiskCreate, {"type": "cdrom", "medium": cdrom(url_a)})
            )
        restart(first, InstanceState.STOPPED)
        made = driver.create_disk(
            ALICE,
            first,
            parse_request(
                DiskCreate,
                {"type": "cdrom", "medium": cdrom(url_a, readahead_bytes=65536, timeout_seconds=30)},
            ),
        )
        assert made.type == "cdrom" and made.url == url_a and made.path is None and made.readonly
        dev = made.dev
        restart(first, InstanceState.RUNNING)
        assert driver.get_disk(ALICE, first, dev).url == url_a
        if real:  # QEMU opened the ISO itself over HTTP: a HEAD for the size, never the whole file
            assert ("HEAD", "/pub/debian.iso", None) in http.requests
            assert http.sent["/pub/debian.iso"] < size // 4

        changed = driver.update_disk(ALICE, first, dev, parse_request(DiskUpdate, {"medium": cdrom(url_b)}))
        assert changed.url == url_b and driver.get_disk(ALICE, first, dev).url == url_b
        if real:
            assert ("HEAD", "/pub/tools.iso", None) in http.requests
        ejected = driver.update_disk(ALICE, first, dev, parse_request(DiskUpdate, {"medium": None}))
        assert ejected.url is None and ejected.path is None
        assert dev in [d.dev for d in driver.list_disks(ALICE, first) if d.type == "cdrom"]

        # the cache: the first VM's fetch downloads once, into the empty drive, live
        cache = MediaCache(work / "cache", 1 << 30)
        fetched = cache.fetch(url_a, user=first)
        assert fetched.downloaded == size
        local = driver.create_disk(
            ALICE,
            first,
            parse_request(DiskCreate, {"type": "cdrom", "medium": cdrom(path=fetched.entry.path)}),
        )
        assert local.dev == dev and local.path == fetched.entry.path and local.url is None
        before = http.total_sent()

        second = boot()
        restart(second, InstanceState.STOPPED)
        again = cache.fetch(url_a, user=second)
        assert again.hit and again.downloaded == 0
        driver.create_disk(
            ALICE,
            second,
            parse_request(DiskCreate, {"type": "cdrom", "medium": cdrom(path=again.entry.path)}),
        )
        restart(second, InstanceState.RUNNING)
        assert any(d.path == again.entry.path for d in driver.list_disks(ALICE, second))
        assert http.total_sent() == before  # the second VM's attach took 0 bytes from the origin

        # errors name what is wrong; another tenant sees nothing
        with pytest.raises(NotFound):
            driver.list_disks(BOB, first)
        with pytest.raises(NotFound, match="no drive"):
            driver.update_disk(ALICE, first, "hdz", parse_request(DiskUpdate, {"medium": None}))
        with pytest.raises(ValidationError, match="drive name"):
            driver.get_disk(ALICE, first, "../x")
        if backend == "qemu":
            with pytest.raises(ValidationError, match="media directory"):
                driver.update_disk(
                    ALICE, first, dev, parse_request(DiskUpdate, {"medium": cdrom(path="/etc/passwd")})
                )
        if backend == "libvirt-system":
            with pytest.raises(ValidationError, match="outside the allowed"):
                driver.update_disk(
                    ALICE, first, dev, parse_request(DiskUpdate, {"medium": cdrom(path="/etc/passwd")})
                )
