"""Instances: list, get, create (one, several as a task, or from a template), actions, adopt.

``accept`` and ``accept_from_template`` are the one shape of a create answered before it is
done (the /v1 API's): always a task, with the id the instance will have chosen here and given to
the backend (feature ``chosen_id``), so the answer names the instance whether or not a disk
is made. On a backend that names its instances itself (EC2) the call waits for its task (one
cloud call) to learn the id; a create that failed there answers its failed task, naming no
instance.

Actions go through one guard whatever the driver: a second state-changing action on an instance
while the first runs is refused (409) naming it, so neither is silently lost. The guard is this
process's; servers sharing a store rely on their drivers' own checks.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from hearth.drivers import ACTION_OPERATIONS, Caller, Driver, Feature, Operation
from hearth.drivers.operations import DEFAULT_STOP_TIMEOUT
from hearth.drivers.profiles import check_overrides
from hearth.drivers.realms import usable_realm
from hearth.drivers.resources import (
    Action,
    ConsoleOutput,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceMetrics,
)
from hearth.errors import Forbidden, InvalidState, NotFound, NotSupported
from hearth.store import new_id

from ..capability import CapabilityGate
from ..instance_names import NAMES_CALLER, InstanceNames
from ..launches import Launches
from ..names import named
from ..tags import TagKind, Tags
from ..tasks import Progress, Task, TaskRunner, TaskStatus
from .base import TaggedCollection


class Templates(Protocol):
    """What instances need from the templates service (``hearth.service.templates``)."""

    def instantiate(
        self,
        caller: Caller,
        template: str,
        *,
        name: str | None,
        realm: str | None,
        start: bool,
        instance_id: str | None,
    ) -> Task: ...


class InstanceList(BaseModel):
    """The result of a task that created several instances."""

    instances: list[Instance]


@dataclass(frozen=True)
class Accepted:
    """A create under way: its task (whose result is the instance), and the id the instance
    has or will have (None when the task makes several)."""

    task: Task
    instance_id: str | None


BACKEND_NAMES_WITHIN = 120.0  # seconds a backend that names its instances has to make one


class Instances(TaggedCollection):
    def __init__(
        self,
        driver: Driver,
        gate: CapabilityGate,
        tasks: TaskRunner,
        templates: Callable[[], Templates | None],
        tags: Tags,
        launches: Launches,
    ) -> None:
        super().__init__(driver, gate, tags)
        self._launches = launches
        self._tasks = tasks
        self._templates = templates  # read when used: a Service's templates may be set after it
        self._names = InstanceNames(driver, self._task_done)
        self._busy: dict[str, Action] = {}  # instance id → the action running on it
        self._busy_lock = threading.Lock()
        self._actions: Mapping[Action, Callable[[Caller, str], Instance]] = {
            Action.start: self.start,
            Action.stop: self.stop,
            Action.reboot: self.reboot,
            Action.suspend: self.suspend,
            Action.resume: self.resume,
            Action.destroy: self.destroy,
        }

    # --- reads ----------------------------------------------------------------------------------

    def list(
        self, caller: Caller, filters: InstanceFilter | None = None, *, name: str | None = None
    ) -> builtins.list[Instance]:
        self._gate.require(Operation.instances_list)
        if filters is not None:
            self._gate.require_features(filters)
        return named(self._driver.list_instances(caller, filters), name)

    def get(self, caller: Caller, instance_id: str) -> Instance:
        self._gate.require(Operation.instances_get)
        return self._driver.get_instance(caller, instance_id)

    def console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        """The tail of what the guest wrote to its serial console (404 for another's instance)."""
        self._gate.require(Operation.instances_console_output)
        return self._driver.get_console_output(caller, instance_id)

    def metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        """Figures read now from a running (or paused) guest: 409 in other states, 404 for
        another's instance, 501 where the backend cannot read them."""
        self._gate.require(Operation.instances_metrics)
        return self._driver.get_instance_metrics(caller, instance_id)

    # --- creation -------------------------------------------------------------------------------

    def create(self, caller: Caller, request: InstanceCreate, count: int = 1) -> Instance | Task:
        """One instance at once; several as a task that reports one step per instance, after
        everything that can be checked now is (the count, the driver's features, the image and
        profile exist), so a bad request fails at once rather than in the task."""
        self._gate.require(Operation.instances_create)
        if count == 1:
            with self._names.claim([request.name]):
                return self._driver.create_instance(caller, request)
        self._driver.check_instance_count(count)
        self._gate.require_features(request)
        self._check_sources(caller, request)

        def work(progress: Progress) -> InstanceList:
            made: builtins.list[Instance] = []
            for i in range(1, count + 1):
                one = request.model_copy(update={"name": f"{request.name}-{i}"}) if request.name else request
                made.append(self._driver.create_instance(caller, one))
                progress.update(100 * i / count, f"created {i} of {count} instances")
            return InstanceList(instances=made)

        names = [f"{request.name}-{i}" for i in range(1, count + 1)] if request.name else []
        with self._names.claim(names) as keep:
            task = self._tasks.submit(caller, "instances.create", f"create {count} instances", work)
            keep(task.id)
        return task

    def accept(self, caller: Caller, request: InstanceCreate, count: int = 1) -> Accepted:
        """``count`` instances as a task (``create``'s checks first); one is made under an id
        chosen now, so the answer can name it before it exists."""
        if count > 1:
            several = self.create(caller, request, count)
            assert isinstance(several, Task)  # several are always a task
            return Accepted(several, None)
        self._gate.require(Operation.instances_create)
        named = self._gate.has(Feature.chosen_id)
        chosen = request.model_copy(update={"instance_id": new_id()}) if named else request
        self._driver.require_features(chosen)
        self._check_sources(caller, chosen)

        def work(progress: Progress) -> Instance:
            return self._driver.create_instance(caller, chosen)

        what = f"create {request.name}" if request.name else "create an instance"
        with self._names.claim([request.name]) as keep:
            task = self._tasks.submit(caller, "instances.create", what, work)
            keep(task.id)
        if named:
            return Accepted(task, chosen.instance_id)
        done = self._tasks.wait(caller, task.id, BACKEND_NAMES_WITHIN)
        made_id = done.result.get("id") if done.result else None
        return Accepted(done, str(made_id) if made_id else None)

    def accept_from_template(
        self, caller: Caller, template: str, *, name: str | None, realm: str | None, start: bool
    ) -> Accepted:
        """An instance made from a stored template, as a task, under an id chosen now."""
        templates = self._templates()
        if templates is None:
            raise NotSupported("templates are not available", feature=Feature.templates.value)
        self._gate.require_feature(Feature.chosen_id)  # templates run on backends that take one
        instance_id = new_id()
        with self._names.claim([name]) as keep:
            task = templates.instantiate(
                caller, template, name=name, realm=realm, start=start, instance_id=instance_id
            )
            keep(task.id)
        return Accepted(task, instance_id)

    def _task_done(self, task_id: str) -> bool:
        try:
            return self._tasks.get(NAMES_CALLER, task_id).status in (TaskStatus.succeeded, TaskStatus.failed)
        except NotFound:
            return True

    def adopt(self, caller: Caller, instance_id: str) -> Instance:
        """An admin takes over another server's instance on a shared host."""
        if not caller.is_admin:
            raise Forbidden("only an admin may adopt another server's instance", instance=instance_id)
        return self._driver.adopt_instance(caller, instance_id)

    # --- actions --------------------------------------------------------------------------------

    def act(self, caller: Caller, instance_id: str, action: Action) -> Instance:
        """The action named by ``action`` (stop with its defaults), for frontends that name actions."""
        return self._actions[action](caller, instance_id)

    def start(self, caller: Caller, instance_id: str) -> Instance:
        with self._one_action(caller, instance_id, Action.start):
            return self._driver.start_instance(caller, instance_id)

    def stop(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        """Ask the guest to shut down; forced off after ``timeout`` seconds, or at once with ``force``."""
        with self._one_action(caller, instance_id, Action.stop):
            return self._driver.stop_instance(caller, instance_id, timeout=timeout, force=force)

    def reboot(self, caller: Caller, instance_id: str) -> Instance:
        with self._one_action(caller, instance_id, Action.reboot):
            return self._driver.reboot_instance(caller, instance_id)

    def suspend(self, caller: Caller, instance_id: str) -> Instance:
        with self._one_action(caller, instance_id, Action.suspend):
            return self._driver.suspend_instance(caller, instance_id)

    def resume(self, caller: Caller, instance_id: str) -> Instance:
        with self._one_action(caller, instance_id, Action.resume):
            return self._driver.resume_instance(caller, instance_id)

    def destroy(self, caller: Caller, instance_id: str) -> Instance:
        """Destroy a stopped instance (409 while it runs, naming the allowed actions); its tags
        and launch record go with it."""
        with self._one_action(caller, instance_id, Action.destroy):
            gone = self._driver.destroy_instance(caller, instance_id)
        self._tags.drop(TagKind.instance, instance_id)
        self._launches.forget(instance_id)
        return gone

    @contextmanager
    def _one_action(self, caller: Caller, instance_id: str, action: Action) -> Iterator[None]:
        self._gate.require(ACTION_OPERATIONS[action])
        with self._busy_lock:
            running = self._busy.get(instance_id)
            if running is None:
                self._busy[instance_id] = action
        if running is not None:
            self._driver.get_instance(caller, instance_id)  # another tenant's instance stays a 404
            raise InvalidState(
                f"instance {instance_id} is busy: {running.value} is in progress; retry when it is done",
                instance=instance_id,
                in_progress=running.value,
            )
        try:
            yield
        finally:
            with self._busy_lock:
                del self._busy[instance_id]

    def _check_sources(self, caller: Caller, request: InstanceCreate) -> None:
        """Fail a request answered by a task on a missing image, profile or realm, or overrides
        the profile does not allow, before queueing it: a bad request is a 4xx, not a failed
        task (what only the backend can judge still fails in the task, with its error)."""
        if request.image_id is not None and self._gate.supports(Operation.images_get):
            self._driver.get_image(caller, request.image_id)
        if self._gate.supports(Operation.hardware_profiles_get):
            profile = self._driver.get_hardware_profile(caller, request.hwp_id)
            check_overrides(profile, request.hwp_overrides)
        if request.realm_id is not None and self._gate.supports(Operation.realms_get):
            usable_realm([self._driver.get_realm(caller, request.realm_id)], request.realm_id, "")
