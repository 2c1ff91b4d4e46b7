"""What every collection's service operations stand on: the driver facade and the gate in front.

A collection's operations check the gate first, then call the driver's public contract method
(nothing below the ``Driver`` facade). Frontends call these, never the driver.
"""

from __future__ import annotations

from hearth.drivers import Driver

from ..capability import CapabilityGate
from ..tags import Tags


class DriverCollection:
    """Base of ``Instances``, ``Images``, …: one per collection, built once by the Service."""

    def __init__(self, driver: Driver, gate: CapabilityGate) -> None:
        self._driver = driver
        self._gate = gate


class TaggedCollection(DriverCollection):
    """A collection whose resources carry tags (``hearth.service.tags``): deleting one through
    it drops them, so a tag never outlives its resource."""

    def __init__(self, driver: Driver, gate: CapabilityGate, tags: Tags) -> None:
        super().__init__(driver, gate)
        self._tags = tags
