"""The qemu driver refuses a disk one of its other instances uses (its saved designs are its host).

No guest boots: instances are created stopped, which makes their files and saved design only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.qemu import open_qemu_driver
from hearth.drivers.resources import InstanceCreate, InstanceSpec
from hearth.errors import Conflict
from hearth.testing.guest import GuestImage

from .case import GUEST_OS, register_guest, short_dir

ALICE, BOB = Caller("alice"), Caller("bob")


def _spec(guest: GuestImage, **extra: object) -> InstanceSpec:
    return InstanceSpec.model_validate(
        {
            "os": GUEST_OS,
            "memory_mib": 192,
            "vcpus": 1,
            "kernel": str(guest.kernel),
            "initrd": str(guest.initrd),
            "cmdline": guest.append("wait"),
            "graphics": {"type": "none"},
            **extra,
        }
    )


def test_another_instances_writable_disk_is_refused_as_media_naming_that_instance(
    guest: GuestImage, tmp_path: Path
) -> None:
    """A media root that holds the state dir must not let one tenant mount another's root disk."""
    state, run = tmp_path / "qemu", short_dir("hqd-")
    roots = [guest.kernel.parent, guest.initrd.parent, tmp_path]
    driver = open_qemu_driver(state, run_dir=run, media_roots=roots)
    try:
        register_guest(driver, guest)
        alice = driver.create_instance(
            ALICE,
            InstanceCreate(
                template_id="t", hwp_id="opaque", spec=_spec(guest, disks=[{"size_gib": 1}]), start=False
            ),
        )
        disk = driver.context.layout.instance_dir(alice.id) / "root.qcow2"
        assert disk.is_file()
        before = {p.name for p in driver.context.layout.instances.iterdir()}
        with pytest.raises(Conflict) as err:
            driver.create_instance(
                BOB,
                InstanceCreate(
                    template_id="t", hwp_id="opaque", spec=_spec(guest, cdrom=str(disk)), start=False
                ),
            )
        assert alice.id in str(err.value) and str(disk) in str(err.value)
        assert {p.name for p in driver.context.layout.instances.iterdir()} == before  # nothing left behind
        # The same read-only medium in two instances is fine.
        iso = tmp_path / "media.iso"
        shutil.copy(driver.context.layout.instance_dir(alice.id) / "seed.iso", iso)
        for who in (ALICE, BOB):
            driver.create_instance(
                who,
                InstanceCreate(
                    template_id="t", hwp_id="opaque", spec=_spec(guest, cdrom=str(iso)), start=False
                ),
            )
    finally:
        driver.power_off_all()
        driver.close()
        shutil.rmtree(run, ignore_errors=True)
