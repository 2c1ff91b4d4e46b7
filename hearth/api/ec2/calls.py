"""The service operations the EC2 actions call, in one place.

The actions call ``calls.instances.list(caller, …)``, ``calls.volumes.attach(…)``: the Service's
per-collection operations every frontend shares, plus the few task and idempotency calls the
EC2 semantics need (a terminate that outlives its request, ClientToken).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hearth.drivers import Caller, Operation
from hearth.service import Progress, Service, Task
from hearth.service.idempotency import Answer

from ..deps import call

T = TypeVar("T")


class ServiceCalls:
    """The Service as the EC2 actions see it: one attribute per collection."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.instances = service.instances
        self.images = service.images
        self.realms = service.realms
        self.hardware_profiles = service.hardware_profiles
        self.keys = service.keys
        self.volumes = service.volumes
        self.snapshots = service.snapshots
        self.networks = service.networks
        self.subnets = service.subnets
        self.addresses = service.addresses
        self.tags = service.tags
        self.launches = service.launches
        self.terminations = service.terminations
        self.events = service.events  # what a termination waits on while a guest settles

    def supports(self, op: Operation) -> bool:
        return self.service.gate.supports(op)

    def wait_task(self, caller: Caller, task: Task, timeout: float) -> Task:
        return self.service.tasks.wait(caller, task.id, timeout)

    def submit(self, caller: Caller, kind: str, name: str, work: Callable[[Progress], None]) -> Task:
        """Work that outlives the request (TerminateInstances' stop and destroy)."""
        return self.service.tasks.submit(caller, kind, name, work)

    def once(self, caller: Caller, scope: str, key: str, fp: str, produce: Callable[[], Answer]) -> Answer:
        """``produce`` once per ClientToken (the service's idempotency store)."""
        return self.service.idempotency.run(caller, scope, key, fp, produce)


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking service call, off the event loop."""
    return await call(func, *args, **kwargs)
