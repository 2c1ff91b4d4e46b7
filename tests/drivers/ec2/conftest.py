"""Fixtures for the EC2 driver's own tests: a driver over moto's EC2 server (see moto.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.ec2 import Ec2Config, Ec2Driver, open_ec2_driver
from hearth.store import default_url

from .moto import MotoServer


@pytest.fixture
def moto(moto_server: MotoServer) -> MotoServer:
    """The session's moto server, emptied for this test."""
    moto_server.reset()
    return moto_server


@pytest.fixture
def image(moto: MotoServer) -> str:
    return moto.register_image()


@pytest.fixture
def driver(moto: MotoServer, tmp_path: Path) -> Iterator[Ec2Driver]:
    d = open_ec2_driver(Ec2Config.from_options(moto.options()), default_url(tmp_path))
    try:
        yield d
    finally:
        d.close()


@pytest.fixture
def alice() -> Caller:
    return Caller("alice")


@pytest.fixture
def bob() -> Caller:
    return Caller("bob")
