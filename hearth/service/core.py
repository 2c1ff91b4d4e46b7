"""The Service: what every frontend shares — the driver, the store, callers, tasks, templates.

Frontends (the /v1 API, later the compatibility APIs and the web UI) translate their protocol into
calls on one Service and back. Ownership is enforced below it, by the driver, which receives the
``Caller`` with every operation; the Service adds what is not a backend's business: who the
caller is, which requests become tasks, and instances made from templates.
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import Engine

from hearth.drivers import Caller, Capabilities, Driver, Feature, Operation
from hearth.drivers.base import MAX_INSTANCE_COUNT
from hearth.drivers.resources import Action, Instance, InstanceCreate, Volume, VolumeCreate
from hearth.drivers.schema import migrated_engine
from hearth.errors import Forbidden, InvalidState, NotSupported, ValidationError

from .access_keys import AccessKeys
from .auth import Authenticator
from .backends import open_driver
from .config import ServiceConfig
from .idempotency import Idempotency
from .tasks import Progress, Task, TaskLimits, TaskRunner
from .throttle import ThrottleLimits

log = logging.getLogger(__name__)

TEMPLATES_MODULE = "hearth.service.templates"


class Templates(Protocol):
    """What the Service needs from the templates service (``hearth.service.templates``)."""

    def instantiate(
        self, caller: Caller, template: str, *, name: str | None, realm: str | None, start: bool
    ) -> Instance | Task: ...


class InstanceList(BaseModel):
    """The result of a task that created several instances."""

    instances: list[Instance]


class Service:
    """Owns the driver, the store engine and the task runner; ``close()`` releases all three."""

    def __init__(
        self,
        driver: Driver,
        engine: Engine,
        *,
        task_workers: int = 4,
        task_limits: TaskLimits | None = None,
        templates: Templates | None = None,
        owns_engine: bool = True,
        load_templates: bool = True,
        auth_throttle: ThrottleLimits | None = None,
        access_keys: AccessKeys | None = None,
    ) -> None:
        self.driver = driver
        self.engine = engine
        self.capabilities: Capabilities = driver.capabilities()
        # The API calls these on the event loop instead of handing them to a worker thread.
        self.inline_operations: frozenset[Operation] = driver.inline_operations
        # ... and these on threads of their own, which calls to a backend cannot take.
        self.store_operations: frozenset[Operation] = driver.store_operations
        self.auth = Authenticator(engine, throttle=auth_throttle)
        # The EC2 frontend's credentials (SigV4 needs the secrets, sealed under the state dir).
        self.access_keys = access_keys
        self.tasks = TaskRunner(engine, workers=task_workers, limits=task_limits)
        self.idempotency = Idempotency(engine)  # answers to retried creates (Idempotency-Key)
        self.idempotency.purge()
        interrupted = self.tasks.recover()
        if interrupted:
            log.warning("%d task(s) from a previous run were marked failed", interrupted)
        self._owns_engine = owns_engine
        self._busy: dict[str, str] = {}  # instance id → the action running on it
        self._busy_lock = threading.Lock()
        self.templates: Templates | None = templates
        if templates is None and load_templates:
            self.templates = _load_templates(self)

    def close(self) -> None:
        self.tasks.close(wait=True)
        self.auth.close()
        self.driver.close()
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- who is calling -----------------------------------------------------------------------

    def authenticate(self, name: str, password: str, address: str | None = None) -> Caller:
        """The caller for these credentials (AuthFailure if wrong, LimitExceeded past the failure
        cap for the name or the client ``address``); may block on scrypt."""
        return self.auth.verify(name, password, address)

    # --- what the service offers beyond the driver ----------------------------------------------

    def service_collections(self) -> list[str]:
        """Collections served by the Service itself, whatever the driver."""
        return ["tasks", *(["templates"] if self.templates is not None else [])]

    def require(self, op: Operation) -> None:
        """NotSupported (501) unless the driver serves ``op``: checked before anything else runs."""
        if not self.capabilities.supports(op):
            raise NotSupported(
                f"the {self.capabilities.driver} driver does not support {op.value}",
                driver=self.capabilities.driver,
                operation=op.value,
            )

    # --- operations that need more than one driver call -------------------------------------------

    def create_instances(self, caller: Caller, request: InstanceCreate, count: int = 1) -> Instance | Task:
        """One instance at once; several as a task that reports one step per instance."""
        self.require(Operation.instances_create)
        if count == 1:
            return self.driver.create_instance(caller, request)
        if not 1 <= count <= MAX_INSTANCE_COUNT:
            raise ValidationError(f"count must be between 1 and {MAX_INSTANCE_COUNT}", count=count)
        if Feature.instance_count not in self.capabilities.features:
            raise NotSupported(
                f"the {self.capabilities.driver} driver does not support instance_count",
                driver=self.capabilities.driver,
                feature=Feature.instance_count.value,
            )
        self.driver.require_features(request)
        self._check_sources(caller, request)

        def work(progress: Progress) -> InstanceList:
            made: list[Instance] = []
            for i in range(1, count + 1):
                one = request.model_copy(update={"name": f"{request.name}-{i}"}) if request.name else request
                made.append(self.driver.create_instance(caller, one))
                progress.update(100 * i / count, f"created {i} of {count} instances")
            return InstanceList(instances=made)

        return self.tasks.submit(caller, "instances.create", f"create {count} instances", work)

    def create_from_template(
        self, caller: Caller, template: str, *, name: str | None, realm: str | None, start: bool
    ) -> Instance | Task:
        if self.templates is None:
            raise NotSupported("templates are not available", feature=Feature.templates.value)
        return self.templates.instantiate(caller, template, name=name, realm=realm, start=start)

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume | Task:
        """A blank volume at once; a clone of a snapshot (a long copy on real backends) as a task."""
        self.require(Operation.volumes_create)
        if request.snapshot_id is None:
            return self.driver.create_volume(caller, request)
        self.driver.require_features(request)
        if self.capabilities.supports(Operation.snapshots_get):
            self.driver.get_snapshot(caller, request.snapshot_id)  # a missing snapshot is a 404 now

        def work(progress: Progress) -> Volume:
            progress.update(0, f"cloning snapshot {request.snapshot_id}")
            return self.driver.create_volume(caller, request)

        return self.tasks.submit(caller, "volumes.create", f"clone snapshot {request.snapshot_id}", work)

    def adopt_instance(self, caller: Caller, instance_id: str) -> Instance:
        """An admin takes over another server's instance on a shared host."""
        if not caller.is_admin:
            raise Forbidden("only an admin may adopt another server's instance", instance=instance_id)
        return self.driver.adopt_instance(caller, instance_id)

    def act(self, caller: Caller, instance_id: str, action: Action, **options: Any) -> Instance:
        """One state-changing action at a time per instance, whatever the driver: a second one
        arriving while the first runs is refused (409) naming it, so neither is silently lost.

        The guard is this process's; servers sharing a store rely on their drivers' own checks.
        """
        self.require(Operation(f"instances.{action.value}"))
        with self._busy_lock:
            running = self._busy.get(instance_id)
            if running is None:
                self._busy[instance_id] = action.value
        if running is not None:
            self.driver.get_instance(caller, instance_id)  # another tenant's instance stays a 404
            raise InvalidState(
                f"instance {instance_id} is busy: {running} is in progress; retry when it is done",
                instance=instance_id,
                in_progress=running,
            )
        try:
            return self.driver.act(caller, instance_id, action, **options)
        finally:
            with self._busy_lock:
                self._busy.pop(instance_id, None)

    def _check_sources(self, caller: Caller, request: InstanceCreate) -> None:
        """Fail a multi-instance request on a missing image or profile before queueing it."""
        if request.image_id is not None and self.capabilities.supports(Operation.images_get):
            self.driver.get_image(caller, request.image_id)
        if self.capabilities.supports(Operation.hardware_profiles_get):
            self.driver.get_hardware_profile(caller, request.hwp_id)


def open_service(config: ServiceConfig) -> Service:
    """Open the store (migrating it for the configured driver), the driver and the task runner."""
    with migrated_engine(config.db_url, config.driver.value) as engine:
        driver = open_driver(config, engine)
    try:
        return Service(
            driver,
            engine,
            task_workers=config.task_workers,
            task_limits=config.task_limits,
            auth_throttle=config.auth_throttle,
            access_keys=AccessKeys.in_state_dir(engine, config.state_dir),
        )
    except BaseException:
        driver.close()
        engine.dispose()
        raise


def _load_templates(service: Service) -> Templates | None:
    """The templates service when it is installed: ``make_templates(service)`` in its module."""
    try:
        module = importlib.import_module(TEMPLATES_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != TEMPLATES_MODULE:
            raise
        return None
    factory = getattr(module, "make_templates", None)
    if factory is None:
        log.warning("%s has no make_templates(service); templates are disabled", TEMPLATES_MODULE)
        return None
    templates: Templates = factory(service)
    return templates
