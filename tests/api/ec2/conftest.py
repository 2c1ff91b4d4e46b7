"""A real Hearth server (mock driver) on loopback for the EC2 frontend tests, and demo's keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import DEMO, OTHER, Running
from .clients import Credentials, access_key, ec2_client, serve_ec2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_ec2(tmp_path_factory.mktemp("ec2")) as running:
        yield running


@pytest.fixture(scope="module")
def demo_key(server: Running) -> Credentials:
    return access_key(server, DEMO[0])


@pytest.fixture(scope="module")
def other_key(server: Running) -> Credentials:
    return access_key(server, OTHER[0])


@pytest.fixture
def ec2(server: Running, demo_key: Credentials) -> Any:
    return ec2_client(server, demo_key)


@pytest.fixture
def ec2_other(server: Running, other_key: Credentials) -> Any:
    return ec2_client(server, other_key)
