"""Make an instance's files from its blueprint: disks, the cloud-init seed, the saved design.

Disks built on an image are qcow2 overlays (the image's file is never written); the NoCloud
seed ISO carries the instance id, hostname, the caller's key and user data, and is attached as
a cdrom so cloud images configure themselves as on any cloud. The caller removes the directory
if anything here fails.
"""

from __future__ import annotations

from pathlib import Path

from hearth.designer.inuse import refuse_disks_in_use
from hearth.domain import Domain

from ..cloudinit import SeedData, hostname_for, write_seed_iso
from . import design, qemuimg
from .blueprint import Blueprint, graphics_of
from .files import file_errors

SEED_FILE = "seed.iso"


def materialise(instance_id: str, plan: Blueprint, where: Path) -> Domain:
    with file_errors("creating the instance directory"):
        where.mkdir(mode=0o700)
    disks: list[Path] = []
    for i, disk in enumerate(plan.disks):
        path = where / (f"root.{disk.fmt}" if i == 0 else f"disk{i}.{disk.fmt}")
        if disk.base is not None:
            qemuimg.create_overlay(path, disk.base, "qcow2", disk.size_bytes)
        else:
            assert disk.size_bytes is not None
            qemuimg.create(path, disk.size_bytes, disk.fmt)
        disks.append(path)
    who = plan.common
    seed = SeedData(
        instance_id=instance_id,
        hostname=hostname_for(who.name or f"inst-{instance_id[:8]}"),
        ssh_keys=who.ssh_keys,
        user_data=who.user_data,
    )
    with file_errors("writing the cloud-init seed"):
        write_seed_iso(seed, where / SEED_FILE)
    domain = design.design(
        design.Plan(
            instance_id=instance_id,
            os=plan.os,
            memory_mib=plan.memory_mib,
            vcpus=plan.vcpus,
            disks=disks,
            cdroms=[*plan.cdroms, where / SEED_FILE],
            nics=plan.nics,
            kernel=plan.kernel,
            initrd=plan.initrd,
            cmdline=plan.cmdline,
            topology=plan.topology,
            graphics=graphics_of(plan.spec),
        )
    )
    refuse_disks_in_use(domain, design.saved_designs(where.parent))
    design.save(domain, where)
    return domain
