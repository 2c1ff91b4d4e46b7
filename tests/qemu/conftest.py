"""Fixtures for hearth.qemu: the real tiny guest, short state dirs, a supervisor per module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from hearth.qemu import Supervisor
from hearth.testing.guest import GuestImage, guest_image
from tests.libvirt_host import SYSTEM_URI
from tests.qemu._support import short_dir

# KVM exists on these hosts but its guests hang; every test runs under TCG.
os.environ.setdefault("HEARTH_ACCEL", "tcg")


@pytest.fixture(scope="session")
def guest(tmp_path_factory: pytest.TempPathFactory) -> GuestImage:
    """The cloud kernel + busybox initramfs, cached across sessions next to pytest's temp dirs."""
    return guest_image(tmp_path_factory.getbasetemp().parent / "hearth-guest-cache")


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = short_dir("hq-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def module_supervisor() -> Iterator[Supervisor]:
    """One supervisor per module; whatever still runs at the end is killed."""
    path = short_dir("hqm-")
    sup = Supervisor(path)
    yield sup
    for name in sup.names():
        if sup.info(name).pid is not None:
            sup.get(name).kill()
    sup.close()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def conn() -> Iterator[libvirt.virConnect]:
    """The system libvirt, for its own translation of a document (domxml-to-native)."""
    c = libvirt.open(SYSTEM_URI)
    yield c
    c.close()
