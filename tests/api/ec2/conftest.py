"""A real Hearth server (mock driver) on loopback for the EC2 frontend tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import DEMO, OTHER, Running, serve_driver
from .clients import ec2_client


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("ec2")) as running:
        yield running


@pytest.fixture
def ec2(server: Running) -> Any:
    return ec2_client(server, DEMO)


@pytest.fixture
def ec2_other(server: Running) -> Any:
    return ec2_client(server, OTHER)
