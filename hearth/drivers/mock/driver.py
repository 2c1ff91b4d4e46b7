"""The mock driver: the embedded default backend, a full implementation of the contract in SQL."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, select

from hearth.errors import ValidationError
from hearth.vocab.instance_states import InstanceState

from ..base import Driver
from ..events import EventSink
from ..operations import Collection, Feature, Operation
from ..schema import migrated_engine
from ..stored import StoredKeys
from .catalogue import HardwareProfiles, Realms
from .context import MockContext, MockTiming
from .images import Images
from .instances import Instances
from .media import Disks
from .networks import Addresses, Networks, Subnets
from .nics import Interfaces
from .pools import Pools
from .seed import seed
from .snapshots import Snapshots
from .tables import MockInstance
from .volumes import Volumes


class MockDriver(Driver):
    """Every operation and feature; state lives in the Hearth store."""

    name = "mock"
    # Templates are resolved by the service layer; the mock builds from the resolved spec.
    features = frozenset(Feature)  # every optional feature of the contract
    parts = {
        Collection.instances: Instances,
        Collection.images: Images,
        Collection.realms: Realms,
        Collection.hardware_profiles: HardwareProfiles,
        Collection.keys: StoredKeys,
        Collection.volumes: Volumes,
        Collection.snapshots: Snapshots,
        Collection.networks: Networks,
        Collection.subnets: Subnets,
        Collection.addresses: Addresses,
        Collection.interfaces: Interfaces,
        Collection.disks: Disks,
        Collection.pools: Pools,
    }
    context: MockContext

    def __init__(
        self,
        engine: Engine,
        *,
        timing: MockTiming | None = None,
        clock: Callable[[], float] = time.time,
        owns_engine: bool = False,
    ) -> None:
        context = MockContext(engine, timing=timing, clock=clock, owns_engine=owns_engine)
        super().__init__(context)
        # Reading one instance is a single SELECT; with WAL a reader never waits for a writer, so
        # the API may run it on its event loop (see Service.inline_operations).
        self.inline_operations = (
            frozenset({Operation.instances_get}) if context.readers_never_wait else frozenset()
        )

    # --- hooks and extensions (not contract operations) ---

    def close(self) -> None:
        self.context.close()

    def watch(self, sink: EventSink) -> None:
        """Every action's state at once, and each scheduled transition when it falls due."""
        with self.context.connect() as conn:
            rows = conn.execute(
                select(
                    MockInstance.id, MockInstance.owner_id, MockInstance.next_state, MockInstance.next_at
                ).where(MockInstance.next_state.is_not(None), MockInstance.next_at.is_not(None))
            ).all()
        self.context.events.subscribe(
            sink, [(r.id, r.owner_id, InstanceState(r.next_state), float(r.next_at)) for r in rows]
        )

    def simulate_crash(self, instance_id: str, reason: str) -> None:
        """Test hook: put an instance in ERROR, as a backend failure would (for tests of ERROR)."""
        with self.context.write() as s:
            row = s.get(MockInstance, instance_id)
            if row is None:
                raise ValidationError(f"no instance {instance_id}")
            row.state, row.next_state, row.next_at = InstanceState.ERROR.value, None, None
            row.state_reason = reason
            owner = row.owner_id
        self.context.events.state(instance_id, owner, InstanceState.ERROR, reason)


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
