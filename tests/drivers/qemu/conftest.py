"""Fixtures for the qemu driver's own tests: the test guest and one driver per module.

Every guest still running when a module ends is forced off; QEMU never outlives the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers.qemu import QemuDriver
from hearth.testing.guest import GuestImage

from .case import guest_files, qemu_driver

# KVM exists on these hosts but its guests hang; every test runs under TCG.
os.environ.setdefault("HEARTH_ACCEL", "tcg")


@pytest.fixture(scope="session")
def guest(request: pytest.FixtureRequest) -> GuestImage:
    return guest_files(request)


@pytest.fixture(scope="module")
def qemu(guest: GuestImage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QemuDriver]:
    with qemu_driver(tmp_path_factory.mktemp("qemu-state"), guest) as driver:
        yield driver


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "qemu"
