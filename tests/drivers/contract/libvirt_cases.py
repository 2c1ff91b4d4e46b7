"""The libvirt driver's entries in the contract registry, and the cleanup that keeps hosts clean.

Every case gets its own name prefix (``ht<hex>-``), store and pool, and removes every domain,
network and volume carrying that prefix when it ends, so cases never see each other's objects
and a shared libvirtd is left as it was found.

``libvirt-test`` runs on libvirt's in-process test driver (no guest boots). ``libvirt-system``
runs on ``qemu:///system`` and boots the real test guest under TCG (HEARTH_ACCEL=tcg): its files
live under /var/tmp, because QEMU runs as an unprivileged user that cannot enter pytest's
private temporary directories.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import libvirt
import pytest

from hearth.drivers.libvirt import LibvirtConfig, LibvirtDriver, open_libvirt_driver
from hearth.drivers.libvirt.config import Host
from hearth.testing.guest import GuestImage, guest_image

from .helpers import DriverCase

SYSTEM_ROOT = Path("/var/tmp/hearth-libvirt-tests")
GUEST_IMAGE = "test-guest"


def _shared_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    return path


def guest_files() -> GuestImage:
    """The busybox test guest, its initramfs cached where QEMU (running as libvirt-qemu) can read it."""
    return guest_image(_shared_dir(_shared_dir(SYSTEM_ROOT) / "guest-cache"))


def purge(uri: str, prefix: str) -> list[str]:
    """Remove every domain, network and pool (with its volumes) named with ``prefix``; returns names."""
    removed: list[str] = []
    conn = libvirt.open(uri)
    try:
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(prefix):
                if dom.isActive():
                    dom.destroy()
                flags = libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                if conn.getType() != "TEST":
                    flags |= libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                dom.undefineFlags(flags)
                removed.append(dom.name())
        for net in conn.listAllNetworks(0):
            if net.name().startswith(prefix):
                if net.isActive():
                    net.destroy()
                net.undefine()
                removed.append(net.name())
        for pool in conn.listAllStoragePools(0):
            if pool.name().startswith(prefix):
                if pool.isActive():
                    pool.refresh(0)
                    for vol in pool.listAllVolumes(0):
                        vol.delete(0)
                    pool.destroy()
                pool.undefine()
                removed.append(pool.name())
    finally:
        conn.close()
    return removed


def register_guest(driver: LibvirtDriver, guest: GuestImage) -> None:
    driver.register_image(
        name=GUEST_IMAGE,
        image_id=GUEST_IMAGE,
        os="debian11",
        kernel=guest.kernel,
        initrd=guest.initrd,
        cmdline=guest.append("wait"),
        description="busybox test guest (direct kernel boot)",
    )


@contextmanager
def libvirt_case(uri: str, state_dir: Path, *, wait: float) -> Iterator[DriverCase]:
    prefix = f"ht{secrets.token_hex(3)}-"
    guest = guest_files()
    config = LibvirtConfig(
        hosts=(Host("local", uri),),
        state_dir=state_dir,
        prefix=prefix,
        accel="tcg",
        file_roots=(Path("/boot"), guest.initrd.parent),
    )
    driver = open_libvirt_driver(config)
    try:
        register_guest(driver, guest)
        yield DriverCase(
            driver=driver,
            image_id=GUEST_IMAGE,
            hwp_id="small",
            wait_timeout=wait,
            nic_network="default",
            spec_fields={
                "os": "debian11",
                "memory_mib": 192,
                "kernel": str(guest.kernel),
                "initrd": str(guest.initrd),
                "cmdline": guest.append("wait"),
            },
        )
    finally:
        driver.close()
        purge(uri, prefix)


def libvirt_test_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    return libvirt_case("test:///default", workdir, wait=10.0)


def libvirt_system_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    state = _shared_dir(SYSTEM_ROOT) / f"case-{secrets.token_hex(4)}"
    request.addfinalizer(lambda: shutil.rmtree(state, ignore_errors=True))
    return libvirt_case("qemu:///system", state, wait=60.0)
