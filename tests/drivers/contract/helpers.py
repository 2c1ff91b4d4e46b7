"""Small helpers the contract tests share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hearth.drivers import Caller, Driver, Operation, wait_for_state
from hearth.drivers.resources import Instance, InstanceCreate
from hearth.errors import NotSupported
from hearth.vocab.instance_states import InstanceState


@dataclass(frozen=True)
class DriverCase:
    driver: Driver
    image_id: str  # an image new instances boot from
    hwp_id: str  # a profile that needs no overrides
    wait_timeout: float  # bound for every wait on a state change
    nic_network: str | None = None  # id of a network NICs can join (drivers serving interfaces)
    spec_fields: Mapping[str, object] = field(default_factory=dict)  # what a bootable spec needs here
    host_root: Path = Path("/")  # where the hypervisor's files are seen from (a daemon's namespace)
    # EC2's VPC rules: IPv4 blocks of /16 to /28 only, no caller-chosen IPv6, a fixed first block.
    cloud_network_rules: bool = False
    alice: Caller = field(default_factory=lambda: Caller("alice"))
    bob: Caller = field(default_factory=lambda: Caller("bob"))
    admin: Caller = field(default_factory=lambda: Caller("root-admin", is_admin=True))


def boot(case: DriverCase, who: Caller | None = None, **fields: object) -> Instance:
    """Create an instance from the case's image and wait until it is RUNNING."""
    who = who or case.alice
    req = InstanceCreate.model_validate({"image_id": case.image_id, "hwp_id": case.hwp_id, **fields})
    inst = case.driver.create_instance(who, req)
    return wait_for_state(case.driver, who, inst.id, InstanceState.RUNNING, timeout=case.wait_timeout)


def stopped(case: DriverCase, who: Caller | None = None, **fields: object) -> Instance:
    """A RUNNING instance brought to STOPPED (forced, the guest need not cooperate)."""
    who = who or case.alice
    inst = boot(case, who, **fields)
    case.driver.stop_instance(who, inst.id, force=True)
    return wait_for_state(case.driver, who, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)


def expected_actions(driver: Driver, state: InstanceState) -> list[str]:
    return [a.value for a in driver.allowed_actions(state)]


def serves(driver: Driver, op: Operation, attempt: Callable[[], object]) -> bool:
    """True if the driver advertises ``op``; otherwise check that trying it is refused as NotSupported.

    Lets a test cover optional parts of the contract without skipping: a driver either does the
    thing properly or refuses it properly.
    """
    if driver.capabilities().supports(op):
        return True
    with pytest.raises(NotSupported):
        attempt()
    return False
