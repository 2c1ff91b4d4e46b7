"""The Service: every frontend's port — the driver behind its collections, the store, callers, tasks.

Frontends (the /v1 API, the Deltacloud, EC2 and CIMI frontends, the web UI) translate their
protocol into calls on one Service and back: ``service.instances``, ``service.volumes``, … hold
the operations of each collection (``hearth.service.collections``), and nothing above the
service calls the driver. Ownership is enforced below, by the driver, which receives the
``Caller`` with every operation; the Service adds what is not a backend's business: who the
caller is, whether the backend serves an operation at all, which requests become tasks, and
instances made from templates.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.drivers import Caller, Capabilities, Driver, Operation
from hearth.drivers.schema import migrated_engine
from hearth.errors import HearthError

from .access_keys import AccessKeys
from .auth import Authenticator
from .backends import open_driver, providers_of, seed_store
from .buckets import Buckets, open_buckets
from .capability import CapabilityGate
from .collections import (
    Addresses,
    Disks,
    HardwareProfiles,
    Images,
    Instances,
    Interfaces,
    Keys,
    Networks,
    Pools,
    Realms,
    Snapshots,
    Subnets,
    Templates,
    Volumes,
)
from .config import ServiceConfig
from .consoles import Consoles
from .events import EventHub
from .idempotency import Idempotency
from .launches import Launches
from .media.core import MediaService
from .per_request import Backends, RemoteDriver
from .sessions import Sessions
from .tags import Tags
from .tasks import TaskLimits, TaskRunner
from .templates import make_templates
from .terminations import Terminations
from .throttle import ThrottleLimits

log = logging.getLogger(__name__)


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
        blobs: Mapping[str, Any] | None = None,
        remote_drivers: Sequence[RemoteDriver] = (),
        providers: Mapping[str, Mapping[str, str]] | None = None,
        recover_tasks: bool = True,
    ) -> None:
        self.driver = driver  # for the service's own modules; frontends use the collections below
        self.engine = engine
        self.gate = CapabilityGate(driver)
        self.capabilities: Capabilities = self.gate.capabilities
        # The backends a request may name: this one, and those reached with its own credentials.
        self.backends = Backends(self.gate, remote_drivers, providers)
        self.auth = Authenticator(engine, throttle=auth_throttle)
        self.sessions = Sessions(self.auth.epoch)  # the web UI's logins (cookie + CSRF token)
        # The EC2 frontend's credentials (SigV4 needs the secrets, sealed under the state dir).
        self.access_keys = access_keys
        self.blob_options: Mapping[str, Any] = dict(blobs or {})  # the [blobs] table (open_buckets)
        self.tasks = TaskRunner(engine, workers=task_workers, limits=task_limits)
        self.events = EventHub()  # what changes, for GET /v1/events (the backend's and the tasks')
        self.tasks.listener = self.events.publish
        self.events.sources.append("tasks")
        self.idempotency = Idempotency(engine)  # answers to retried creates (Idempotency-Key)
        self.idempotency.purge()
        interrupted = self.tasks.recover() if recover_tasks else 0
        if interrupted:
            log.warning("%d task(s) from a previous run were marked failed", interrupted)
        self._owns_engine = owns_engine
        self.templates: Templates | None = templates
        if templates is None and load_templates:
            self.templates = make_templates(self)

        gate = self.gate
        tags = self.tags = Tags(engine, driver, gate)  # labels on resources, in the shared store
        self.launches = Launches(engine)  # which request made which instances
        self.terminations = Terminations(engine)  # instances just terminated, shown for an hour
        self.instances = Instances(driver, gate, self.tasks, lambda: self.templates, tags, self.launches)
        self.images = Images(driver, gate, tags)
        self.realms = Realms(driver, gate)
        self.hardware_profiles = HardwareProfiles(driver, gate)
        self.keys = Keys(driver, gate)
        self.volumes = Volumes(driver, gate, self.tasks, tags)
        self.snapshots = Snapshots(driver, gate, tags)
        self.networks = Networks(driver, gate, tags)
        self.subnets = Subnets(driver, gate, tags)
        self.addresses = Addresses(driver, gate)
        self.interfaces = Interfaces(driver, gate)
        self.disks = Disks(driver, gate)
        self.pools = Pools(driver, gate)
        self.consoles = Consoles(driver, gate)  # one-time tickets for the console WebSockets
        self._watch_driver()

    def _watch_driver(self) -> None:
        """Feed the backend's own events to the hub, if it reports any (say so when not)."""
        if not self.driver.watches_events():
            log.info("the %s driver reports no events; /v1/events carries task events only", self.driver.name)
            return
        try:
            self.driver.watch(self.events.publish)
        except HearthError as exc:
            log.warning("the %s driver's events are not followed: %s", self.driver.name, exc.message)
            return
        self.events.sources.append(self.driver.name)

    @property
    def backend_events(self) -> bool:
        """Whether the backend's own changes reach the hub (else only the tasks' do)."""
        return self.driver.name in self.events.sources

    def close(self) -> None:
        self.backends.close()
        self.events.close()
        self.tasks.close(wait=True)
        self.auth.close()
        if self.access_keys is not None:
            self.access_keys.close()
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

    # --- what the service offers ----------------------------------------------------------------

    def require(self, op: Operation) -> None:
        """NotSupported (501) unless the driver serves ``op``: checked before anything else runs."""
        self.gate.require(op)

    def service_collections(self) -> list[str]:
        """Collections served by the Service itself, whatever the driver."""
        return ["tasks", *(["templates"] if self.templates is not None else [])]

    def open_media(self, media_dir: str | os.PathLike[str]) -> MediaService:
        """The media service (sources, listing, cache, uploads, removable drives) over this
        Service's store and driver, keeping its files under ``media_dir``."""
        return MediaService(self.engine, self.driver, Path(media_dir))

    def open_buckets(self, blobs_dir: str | os.PathLike[str] | None = None) -> Buckets:
        """Buckets and blobs in the store the ``[blobs]`` table names (local by default, under
        ``blobs_dir`` when given, else ``hearth.service.buckets.blobs_dir``)."""
        return open_buckets(self.engine, blobs_dir, self.blob_options)

    def host_report(self) -> dict[str, str | None]:
        """Each host (realm) the driver reaches and why it cannot be reached (None: reached),
        tried now: what a server prints when it starts."""
        return self.driver.host_report()


def prepare_store(config: ServiceConfig) -> None:
    """Migrate the store for the configured driver and seed it if new, then close it: the first
    step of ``open_service``, apart, so that a server can take it in a child process and never
    hold Alembic nor what migrating and hashing the demo passwords allocated (``hearth serve``)."""
    with migrated_engine(config.db_url, config.driver.value) as engine:
        try:
            seed_store(config, engine)
        finally:
            engine.dispose()


def open_service(config: ServiceConfig, *, prepared: bool = False) -> Service:
    """Open the store (migrating it for the configured driver, unless ``prepare_store`` just
    did), the driver and the task runner, and describe the extra drivers requests may name
    (opened on a request's first use)."""
    remote = [RemoteDriver.from_config(name, config) for name in config.also_drivers]
    with migrated_engine(config.db_url, config.driver.value, migrate=not prepared) as engine:
        driver = open_driver(config, engine)
    try:
        return Service(
            driver,
            engine,
            task_workers=config.task_workers,
            task_limits=config.task_limits,
            auth_throttle=config.auth_throttle,
            access_keys=AccessKeys.in_state_dir(engine, config.state_dir),
            blobs=config.blobs,
            remote_drivers=remote,
            # From the config table alone (an endpoint given as --uri is not in it).
            providers={} if config.uris else providers_of(config.driver, config.options_of(config.driver)),
        )
    except BaseException:
        driver.close()
        engine.dispose()
        raise
