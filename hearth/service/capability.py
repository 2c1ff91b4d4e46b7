"""The one capability gate in front of the driver, and where each of its operations may run.

Every frontend asks the same question before it calls a backend: does this driver serve the
operation (and the optional features the request uses)? The answer is derived from the driver's
code (``Driver.capabilities()``), so it is computed once here and every service operation checks
it first: an operation the backend lacks is a ``NotSupported`` (HTTP 501) naming driver and
operation, before any work is done.

``placement`` carries the driver's own judgement of how an operation behaves, so an async
frontend knows whether it may answer on its event loop (a local read that never waits), on
threads reserved for Hearth's store (never waits on a host), or must hand it to a worker thread.
"""

from __future__ import annotations

from enum import Enum

from hearth.drivers import Capabilities, Driver, Feature, Operation, features_used
from hearth.drivers.resources import InstanceCreate, InstanceFilter, VolumeCreate
from hearth.errors import NotSupported


class Placement(Enum):
    """Where a frontend runs a blocking call of one operation."""

    inline = "inline"  # on the event loop: it never blocks (one local SELECT)
    store = "store"  # on threads of the store's own: it never waits on a backend host
    backend = "backend"  # on a worker thread: it may wait on a host


class CapabilityGate:
    """What the driver serves, asked in O(1) per request."""

    def __init__(self, driver: Driver | type[Driver]) -> None:
        """From a driver, or from its class alone: what a class declares is what every instance
        serves, so a backend the server only reaches per request is described without opening it
        (no connection, no credentials)."""
        self.capabilities: Capabilities = driver.capabilities()
        self.driver_name = self.capabilities.driver
        self._operations = frozenset(self.capabilities.operations)
        self._features = frozenset(self.capabilities.features)
        # Decided by the driver (the mock decides per store: only WAL readers never wait).
        inline = driver.inline_operations & self._operations
        store = (driver.store_operations & self._operations) - inline
        self._placement: dict[Operation, Placement] = {
            **{op: Placement.backend for op in self._operations},
            **{op: Placement.store for op in store},
            **{op: Placement.inline for op in inline},
        }

    def supports(self, op: Operation) -> bool:
        return op in self._operations

    def has(self, feature: Feature) -> bool:
        return feature in self._features

    def require(self, op: Operation) -> None:
        """NotSupported (501) unless the driver serves ``op``."""
        if op not in self._operations:
            raise NotSupported(
                f"the {self.driver_name} driver does not support {op.value}",
                driver=self.driver_name,
                operation=op.value,
            )

    def require_feature(self, feature: Feature) -> None:
        """NotSupported (501) unless the driver declares ``feature``."""
        if feature not in self._features:
            raise NotSupported(
                f"the {self.driver_name} driver does not support {feature.value}",
                driver=self.driver_name,
                feature=feature.value,
            )

    def require_features(self, request: InstanceCreate | InstanceFilter | VolumeCreate) -> None:
        """NotSupported (501) for the first optional feature ``request`` uses that the driver lacks."""
        for feature in sorted(features_used(request) - self._features):
            self.require_feature(feature)

    def placement(self, op: Operation) -> Placement:
        """Where to run ``op``; an operation the driver lacks fails at once (in ``require``)."""
        return self._placement.get(op, Placement.inline)
