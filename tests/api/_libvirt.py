"""A real server on the libvirt driver (qemu:///system, guests under TCG) for the API tests.

Every libvirt object the server makes carries a prefix unique to the run and is purged at the
end, with the server's state dir; nothing the host had before is touched.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hearth.drivers.libvirt import LibvirtDriver
from hearth.drivers.schema import upgrade
from hearth.service import Service
from hearth.service.access_keys import AccessKeys
from hearth.store import default_url, make_engine
from hearth.store.users import create_user, seed_demo_users
from hearth.testing.guest import GuestImage
from tests.drivers.contract.libvirt_cases import SYSTEM_ROOT, case_config, purge, register_guest
from tests.host import netdevs
from tests.libvirt_host import unique_prefix

from .conftest import OTHER, Running, serve

URI = "qemu:///system"
BOOT_TIMEOUT = 180.0


def _ensure_libvirtd() -> None:
    ok = subprocess.run(["virsh", "-c", URI, "version"], capture_output=True, check=False)
    if ok.returncode != 0:
        netdevs.run("bash", str(netdevs.REPO / "scripts" / "start-services.sh"))


@contextmanager
def serve_libvirt(
    guest: GuestImage,
    stem: str,
    *,
    access_keys: bool = False,
    catalogue: bool = False,
    nic_detach_seconds: float | None = None,
) -> Iterator[tuple[Running, Path]]:
    """The server and its state dir. ``access_keys``: the Service verifies SigV4 keys (for /ec2);
    ``catalogue``: the test guest is registered as the image ``test-guest`` (kernel boot);
    ``nic_detach_seconds``: how long a guest has to release a removed NIC (the config's)."""
    _ensure_libvirtd()
    prefix = unique_prefix()
    SYSTEM_ROOT.mkdir(parents=True, exist_ok=True)
    state = SYSTEM_ROOT / f"{stem}-{secrets.token_hex(4)}"
    state.mkdir(mode=0o755)
    config = case_config(URI, state, prefix, guest, pool=f"{prefix}pool", pool_path=str(state / "pool"))
    if nic_detach_seconds is not None:
        config = dataclasses.replace(config, nic_detach_seconds=nic_detach_seconds)
    engine = make_engine(default_url(state))
    upgrade(engine, "libvirt")
    seed_demo_users(engine)
    create_user(engine, *OTHER)
    keys = AccessKeys.in_state_dir(engine, state) if access_keys else None
    try:
        driver = LibvirtDriver(config, engine)
        if catalogue:
            register_guest(driver, guest)
        with serve(Service(driver, engine, access_keys=keys)) as running:
            yield running, state
    finally:
        purge(URI, prefix)
        shutil.rmtree(state, ignore_errors=True)
