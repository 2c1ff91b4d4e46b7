"""The EC2 driver's entry in the contract registry: the driver against moto's EC2 server.

Each case starts from an empty moto account (reset), registers one AMI as the catalogue image
and gets its own store, so cases never see each other's objects. Why moto stands in for AWS:
tests/drivers/ec2/moto.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from hearth.drivers.ec2 import Ec2Config, open_ec2_driver
from hearth.store import default_url

from ..ec2.moto import MotoServer
from .helpers import DriverCase


@contextmanager
def _ec2(moto: MotoServer, workdir: Path) -> Iterator[DriverCase]:
    moto.reset()
    image = moto.register_image()
    driver = open_ec2_driver(Ec2Config.from_options(moto.options()), default_url(workdir))
    try:
        yield DriverCase(
            driver=driver, image_id=image, hwp_id="t3.micro", wait_timeout=30.0, cloud_network_rules=True
        )
    finally:
        driver.close()


def ec2_case(request: pytest.FixtureRequest, workdir: Path) -> AbstractContextManager[DriverCase]:
    return _ec2(request.getfixturevalue("moto_server"), workdir)
