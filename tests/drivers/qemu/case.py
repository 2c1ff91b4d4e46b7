"""The qemu driver's entry in the contract registry: a real TCG boot of the test guest.

Each case gets its own state directory (pytest's) and a short run directory under /tmp for the
QMP sockets (unix socket paths are limited to 107 bytes); every guest still running when the
case ends is forced off, and the run directory removed, so no QEMU outlives its test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from hearth.drivers.caller import Caller
from hearth.drivers.qemu import QemuDriver, open_qemu_driver
from hearth.drivers.resources import NetworkCreate
from hearth.testing.guest import GuestImage, guest_image
from tests.drivers.contract.helpers import DriverCase

GUEST_IMAGE = "test-guest"
GUEST_OS = "debian11"
# Generous: two shared cores, and several guests of one test may boot at once under TCG.
WAIT = 90.0


def guest_files(request: pytest.FixtureRequest) -> GuestImage:
    """The busybox test guest, its initramfs cached for the whole session (and the next)."""
    factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
    return guest_image(factory.getbasetemp().parent / "hearth-guest-cache")


def register_guest(driver: QemuDriver, guest: GuestImage) -> None:
    driver.register_image(
        GUEST_IMAGE,
        image_id=GUEST_IMAGE,
        os=GUEST_OS,
        kernel=guest.kernel,
        initrd=guest.initrd,
        cmdline=guest.append("wait"),
        description="busybox test guest (direct kernel boot)",
    )


def short_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


@contextmanager
def qemu_driver(state: Path, guest: GuestImage) -> Iterator[QemuDriver]:
    """A driver with the test guest registered; every guest is forced off at the end."""
    run = short_dir("hqd-")
    driver = open_qemu_driver(state, run_dir=run, media_roots=[guest.kernel.parent, guest.initrd.parent])
    try:
        register_guest(driver, guest)
        yield driver
    finally:
        driver.power_off_all()
        driver.remove_host_networks()  # bridges, dnsmasq, NAT tables: none outlives the test
        driver.close()
        shutil.rmtree(run, ignore_errors=True)


@contextmanager
def _case(request: pytest.FixtureRequest, workdir: Path) -> Iterator[DriverCase]:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    guest = guest_files(request)
    with qemu_driver(workdir / "qemu", guest) as driver:
        # Alice's network (a bridge with no subnet, so no address on the host) for NICs to join.
        nics = NetworkCreate(name="nics", address_blocks=["10.99.0.0/16"])
        network = driver.create_network(Caller("alice"), nics)
        yield DriverCase(
            driver=driver,
            image_id=GUEST_IMAGE,
            hwp_id="small",
            wait_timeout=WAIT,
            nic_network=network.id,
            spec_fields={
                "os": GUEST_OS,
                "kernel": str(guest.kernel),
                "initrd": str(guest.initrd),
                "cmdline": guest.append("wait"),
                "graphics": {"type": "none"},
            },
        )


def qemu_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    return _case(request, workdir)
