"""The mock driver: the embedded default backend, a full implementation of the contract in SQL."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..schema import migrated_engine
from .catalogue import seed
from .core import MockTiming
from .disks import DiskOps
from .instances import InstanceOps
from .pools import PoolOps


class MockDriver(PoolOps, InstanceOps, DiskOps):
    """Every operation and feature; state lives in the Hearth store."""


def open_mock_driver(
    url: str,
    *,
    timing: MockTiming | None = None,
    clock: Callable[[], float] = time.time,
    seed_catalogue: bool = True,
) -> MockDriver:
    """Open (migrating and, on first start, seeding) the store at ``url`` and return the driver."""
    with migrated_engine(url, "mock") as engine:
        if seed_catalogue:
            seed(engine)
        return MockDriver(engine, timing=timing, clock=clock, owns_engine=True)
