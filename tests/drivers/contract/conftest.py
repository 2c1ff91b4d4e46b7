"""The driver registry the contract suite runs over: one entry per backend.

Each factory gets the pytest request (to pull session fixtures such as a built test guest) and a
fresh directory, and yields a ``DriverCase``: the driver plus what a test needs to know about that
backend (an image that boots, a plain hardware profile, how long to wait).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from hearth.drivers import Driver
from hearth.drivers.mock import MockTiming, open_mock_driver
from hearth.store import default_url

from ..qemu.case import qemu_case
from .ec2_cases import ec2_case
from .helpers import DriverCase
from .libvirt_cases import libvirt_fresh_case, libvirt_system_case, libvirt_test_case

Factory = Callable[[pytest.FixtureRequest, Path], AbstractContextManager[DriverCase]]
# Short simulated boot and shutdown so the transitional states are still seen, briefly.
FAST = MockTiming(boot_seconds=0.05, shutdown_seconds=0.05)


@contextmanager
def _mock(url: str) -> Iterator[DriverCase]:
    driver = open_mock_driver(url, timing=FAST)
    try:
        yield DriverCase(
            driver=driver, image_id="debian-12", hwp_id="small", wait_timeout=10.0, nic_network="default"
        )
    finally:
        driver.close()


def mock_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    return _mock(default_url(workdir))


def mock_postgresql_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    """The same mock driver with its store in a real PostgreSQL: only the URL differs."""
    return _mock(request.getfixturevalue("pg_cluster").new_database())


DRIVER_FACTORIES: dict[str, Factory] = {
    "mock": mock_case,
    "mock-postgresql": mock_postgresql_case,
    # Added by the driver authors, one line each (not before the driver exists):
    "libvirt-test": libvirt_test_case,  # libvirt driver on test:///default (fast, no guest)
    "libvirt-system": libvirt_system_case,  # qemu:///system, real TCG boot of the test guest
    "libvirt-fresh": libvirt_fresh_case,  # a second libvirtd that starts with no pool, no network
    "qemu": qemu_case,  # direct QEMU driver, real TCG boot of the test guest
    "ec2": ec2_case,  # EC2 driver against moto's EC2 server on loopback
}


@pytest.fixture(params=sorted(DRIVER_FACTORIES))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DriverCase]:
    with DRIVER_FACTORIES[request.param](request, tmp_path) as c:
        yield c


@pytest.fixture
def driver(case: DriverCase) -> Driver:
    return case.driver
