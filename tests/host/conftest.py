"""Fixtures: real devices on this host, created for one test and removed after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import netdevs


@pytest.fixture
def veth() -> Iterator[tuple[str, str]]:
    with netdevs.veth_pair() as pair:
        yield pair


@pytest.fixture
def ovs_bridge() -> Iterator[str]:
    with netdevs.ovs_bridge() as name:
        yield name
