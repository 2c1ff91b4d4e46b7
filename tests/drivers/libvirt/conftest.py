"""Fixtures for the libvirt-specific tests: a driver on qemu:///system and a private libvirtd."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.testing.libvirtd import PrivateLibvirtd
from hearth.testing.libvirtd import private_libvirtd as private_libvirtd_

from ..contract.helpers import DriverCase
from ..contract.libvirt_cases import libvirt_case, system_dirs


@pytest.fixture
def system_dirs_() -> Iterator[tuple[Path, Path]]:
    state, pool = system_dirs()
    yield state, pool
    shutil.rmtree(state.parent, ignore_errors=True)


@pytest.fixture
def system_state(system_dirs_: tuple[Path, Path]) -> Path:
    """The driver's state dir: 0700, as a real server's (QEMU never needs to enter it)."""
    return system_dirs_[0]


@pytest.fixture
def system(system_dirs_: tuple[Path, Path]) -> Iterator[DriverCase]:
    """The libvirt driver on qemu:///system (guests boot for real, under TCG)."""
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    state, pool = system_dirs_
    with libvirt_case("qemu:///system", state, wait=60.0, pool_path=pool) as case:
        yield case


@pytest.fixture
def private_libvirtd() -> Iterator[PrivateLibvirtd]:
    with private_libvirtd_() as daemon:
        yield daemon
