"""What every collection's service operations stand on: the driver facade and the gate in front.

A collection's operations check the gate first, then call the driver's public contract method
(nothing below the ``Driver`` facade). Frontends call these, never the driver.
"""

from __future__ import annotations

from hearth.drivers import Driver

from ..capability import CapabilityGate


class DriverCollection:
    """Base of ``Instances``, ``Images``, …: one per collection, built once by the Service."""

    def __init__(self, driver: Driver, gate: CapabilityGate) -> None:
        self._driver = driver
        self._gate = gate
