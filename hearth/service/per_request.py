"""The backends a server answers for, and those a request reaches with its own cloud credentials.

Deltacloud let each request pick its driver (``X-Deltacloud-Driver``, ``/api;driver=ec2``) and
carried that cloud's key pair in HTTP Basic. A Hearth server configured with ``also_drivers``
does the same for backends that front a cloud (EC2): what such a backend serves is its class's
declaration (a ``CapabilityGate`` of the class), known with no connection and no credentials, so
the entry point answers offline. Its collections need the caller's key pair: each key pair gets a
``Service`` of its own over one driver store (an SQLite file of its own under the state directory,
migrated for that backend), kept in a bounded cache keyed by a hash of the pair. The secret is
held only by the driver's cloud client: never a key, never logged, never in an error.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Engine

from hearth.drivers import Caller, Driver
from hearth.drivers.schema import migrated_engine
from hearth.errors import AuthFailure

from .backends import driver_class, open_backend, providers_of
from .capability import CapabilityGate
from .config import DriverName, ServiceConfig

if TYPE_CHECKING:
    from .core import Service

log = logging.getLogger(__name__)

MAX_SESSIONS = 32  # key pairs whose Service is kept open; the least recently used is closed first
SESSION_TASK_WORKERS = 2  # a session's task threads (started on first use only)


class KeyPairDriver(Protocol):
    """A backend that acts with a key pair given per request (the EC2 driver's ``with_key_pair``)."""

    def with_key_pair(self, access_key_id: str, secret_access_key: str) -> Driver: ...


@dataclass(eq=False)
class Session:
    """One key pair's view of a per-request backend: the Service to call and who is calling.
    ``leases`` counts the requests using it, so one pushed out of the cache is closed only when
    the last of them is done."""

    service: Service
    caller: Caller
    leases: int = 0
    retired: bool = False


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class RemoteDriver:
    """One backend reached per request; ``session`` opens (or finds) a key pair's Service."""

    def __init__(
        self,
        name: DriverName,
        options: Mapping[str, Any],
        state_dir: Path,
        *,
        db_url: str | None = None,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self.name = name.value
        self.kind = name
        self.gate = CapabilityGate(driver_class(name))
        self.options: Mapping[str, Any] = dict(options)
        self.providers = providers_of(name, self.options)  # checks the config table at start
        self.state_dir = state_dir
        self.db_url = db_url or f"sqlite:///{(state_dir / f'hearth-{name.value}.db').resolve()}"
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._base: Driver | None = None
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._recovered = False  # tasks a previous run left are marked failed once, by the first

    @classmethod
    def from_config(cls, name: DriverName, config: ServiceConfig) -> RemoteDriver:
        return cls(name, config.options_of(name), config.state_dir)

    def owner(self, access_key_id: str) -> str:
        """The Hearth owner of what a key pair makes: one per access key id, named by its hash
        (the id names the cloud account's user, so it is not shown)."""
        return f"{self.name}-key-{_digest(access_key_id)[:20]}"

    def lease(self, access_key_id: str, secret_access_key: str) -> Session:
        """The key pair's session for one request, opened on first use (the store migrated once);
        hand it back with ``release``. AuthFailure for an empty half. The cloud is not contacted:
        a wrong pair fails on the first operation."""
        if not access_key_id or not secret_access_key:
            raise AuthFailure(f"the {self.name} driver needs the access key id and secret as HTTP Basic")
        key = _digest(self.name, access_key_id, secret_access_key)
        idle: list[Session] = []
        with self._lock:
            found = self._sessions.get(key)
            if found is not None:
                self._sessions.move_to_end(key)
            else:
                engine, base = self._opened()
                first, self._recovered = not self._recovered, True
                driver = cast(KeyPairDriver, base).with_key_pair(access_key_id, secret_access_key)
                service = _session_service(driver, engine, recover_tasks=first)
                found = self._sessions[key] = Session(service, Caller(self.owner(access_key_id)))
                while len(self._sessions) > self.max_sessions:
                    old = self._sessions.popitem(last=False)[1]
                    old.retired = True
                    if old.leases == 0:
                        idle.append(old)
            found.leases += 1
        for old in idle:  # outside the lock: closing waits for that session's tasks
            old.service.close()
        return found

    def release(self, session: Session) -> None:
        """A request is done with ``session``; one pushed out of the cache closes with its last."""
        with self._lock:
            session.leases -= 1
            done = session.retired and session.leases == 0
        if done:
            session.service.close()

    @property
    def open_sessions(self) -> int:
        return len(self._sessions)

    def _opened(self) -> tuple[Engine, Driver]:
        """The store and the credential-less base driver sessions are views of (lock held)."""
        if self._engine is None or self._base is None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            with migrated_engine(self.db_url, self.name) as engine:
                self._base = open_backend(self.kind, engine, self.state_dir, self.options)
            self._engine = engine
        return self._engine, self._base

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
            base, engine = self._base, self._engine
            self._base = self._engine = None
        for s in sessions:
            s.service.close()
        if base is not None:
            base.close()
        if engine is not None:
            engine.dispose()


def _session_service(driver: Driver, engine: Engine, *, recover_tasks: bool) -> Service:
    from .core import Service  # the Service owns the backends; imported here to avoid a cycle

    return Service(
        driver,
        engine,
        task_workers=SESSION_TASK_WORKERS,
        owns_engine=False,
        load_templates=False,
        recover_tasks=recover_tasks,
    )


class Backends:
    """Every backend a server answers for: its own (the Service's driver) first, then the ones
    reached per request. Frontends ask here what a named backend serves; none opens a driver."""

    def __init__(
        self,
        own: CapabilityGate,
        remote: Sequence[RemoteDriver] = (),
        own_providers: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.own = own
        self.own_name = own.driver_name
        self._own_providers: Mapping[str, Mapping[str, str]] = dict(own_providers or {})
        self._remote = {r.name: r for r in remote}

    def names(self) -> list[str]:
        """Sorted, as Deltacloud lists its drivers."""
        return sorted({self.own_name, *self._remote})

    def gate(self, name: str) -> CapabilityGate | None:
        """What the backend ``name`` serves (None: the server has no such backend)."""
        if name == self.own_name:
            return self.own
        remote = self._remote.get(name)
        return remote.gate if remote is not None else None

    def remote(self, name: str) -> RemoteDriver | None:
        """The per-request backend ``name`` (None: the server's own, or none at all)."""
        return self._remote.get(name)

    def providers(self, name: str) -> Mapping[str, Mapping[str, str]]:
        """The providers (regions) of a backend and their entry points by kind (none known: {})."""
        if name == self.own_name:
            return self._own_providers
        remote = self._remote.get(name)
        return remote.providers if remote is not None else {}

    def close(self) -> None:
        for remote in self._remote.values():
            try:
                remote.close()
            except Exception:  # one backend failing to close must not keep the others open
                log.exception("closing the %s driver's sessions failed", remote.name)
