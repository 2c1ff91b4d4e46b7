"""The libvirt driver's entries in the contract registry, and the cleanup that keeps hosts clean.

Every case gets its own name prefix (``ht<hex>-``), store, storage pool and (on a real daemon)
network, and removes every domain, network and pool carrying that prefix when it ends, so cases
never see each other's objects and a shared libvirtd is left as it was found: the tests assume
no pool and no network on the host, and never use the host's own.

``libvirt-test`` runs on libvirt's in-process test driver (no guest boots). ``libvirt-system``
runs on ``qemu:///system`` and boots the real test guest under TCG (HEARTH_ACCEL=tcg): its files
live under /var/tmp, because QEMU runs as an unprivileged user that cannot enter pytest's
private temporary directories. ``libvirt-fresh`` runs the same on a second libvirtd whose
configuration starts empty (``tests/fresh_libvirtd.py``), with the driver's real defaults: its
disks go to libvirt's ``default`` pool, which the driver has to define there itself.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import libvirt
import pytest

from hearth.drivers.libvirt import LibvirtConfig, LibvirtDriver, open_libvirt_driver
from hearth.drivers.libvirt.config import DEFAULT_POOL, DEFAULT_POOL_PATH, Host
from hearth.testing.guest import GuestImage, guest_image
from tests.libvirt_host import SYSTEM_URI, create_network, unique_prefix

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


def case_config(
    uri: str,
    state_dir: Path,
    prefix: str,
    guest: GuestImage,
    *,
    pool: str,
    pool_path: str,
    networks: tuple[str, ...] | None = None,
) -> LibvirtConfig:
    """The driver's config for a test: one host, names under ``prefix``, guests under TCG, the
    test guest's files readable, the pool at ``pool_path``; ``networks`` shared with every
    tenant (None: the driver's default)."""
    config = LibvirtConfig(
        hosts=(Host("local", uri),),
        state_dir=state_dir,
        prefix=prefix,
        accel="tcg",
        file_roots=(Path("/boot"), guest.initrd.parent),
        pool=pool,
        pool_path=pool_path,
    )
    return config if networks is None else dataclasses.replace(config, shared_networks=networks)


@contextmanager
def libvirt_case(
    uri: str,
    state_dir: Path,
    *,
    wait: float,
    own_network: bool = True,
    default_pool: bool = False,
    pool_path: Path | None = None,
    host_root: Path = Path("/"),
) -> Iterator[DriverCase]:
    """``own_network``: a network made for the case (else libvirt's ``default``, which only the
    test driver always has); ``default_pool``: the driver's default pool (only on a daemon of the
    tests' own), else one of the case's own at ``<state_dir>/pool``."""
    prefix = unique_prefix()
    guest = guest_files()
    network = create_network(uri, prefix) if own_network else "default"
    pool, pool_dir = (
        (DEFAULT_POOL, DEFAULT_POOL_PATH)
        if default_pool
        else (f"{prefix}pool", str(pool_path or state_dir / "pool"))
    )
    config = case_config(uri, state_dir, prefix, guest, pool=pool, pool_path=pool_dir, networks=(network,))
    try:
        driver = open_libvirt_driver(config)
    except BaseException:
        purge(uri, prefix)
        raise
    try:
        register_guest(driver, guest)
        yield DriverCase(
            driver=driver,
            image_id=GUEST_IMAGE,
            hwp_id="small",
            wait_timeout=wait,
            nic_network=network,
            host_root=host_root,
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
    return libvirt_case("test:///default", workdir, wait=10.0, own_network=False)


def system_dirs() -> tuple[Path, Path]:
    """A case's state dir, private (0700, as a real server's should be: QEMU never needs it), and
    its pool beside it, where QEMU (libvirt-qemu) can reach the disks."""
    case = _shared_dir(_shared_dir(SYSTEM_ROOT) / f"case-{secrets.token_hex(4)}")
    state = case / "state"
    state.mkdir(mode=0o700)
    return state, _shared_dir(case / "pool")


def libvirt_system_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    state, pool = system_dirs()
    request.addfinalizer(lambda: shutil.rmtree(state.parent, ignore_errors=True))
    return libvirt_case(SYSTEM_URI, state, wait=60.0, pool_path=pool)


def libvirt_fresh_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    daemon = request.getfixturevalue("fresh_libvirtd")
    state, _ = system_dirs()
    request.addfinalizer(lambda: shutil.rmtree(state.parent, ignore_errors=True))
    return libvirt_case(daemon.uri, state, wait=60.0, default_pool=True, host_root=daemon.host_root)
