"""How a Hearth server is configured: one small value object, from defaults, a TOML file and flags.

The TOML file uses the command-line names (``driver``, ``uris``, ``state_dir``, ``db``, ``listen``,
``server_id``, ``task_workers``) plus the task queue bounds (``max_queued_tasks``,
``max_queued_tasks_per_user``), the request body bounds (``max_json_body_bytes``,
``max_upload_body_bytes``), the failed-login cap (``auth_failures_per_user``,
``auth_failures_per_address`` within ``auth_failure_window_seconds``) and a table of backend
settings per driver, ``[libvirt]`` and ``[ec2]`` (checked by that driver); flags given on the
command line win over the file, the file over the defaults.

``also_drivers`` names the extra backends a Deltacloud request may pick (``X-Deltacloud-Driver``,
``/api;driver=ec2``) besides the server's own ``driver``: only backends that front a cloud
(``PER_REQUEST_DRIVERS``), since each request brings that cloud's credentials; their ``[ec2]``
table gives the endpoint and region but no credentials.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hearth.errors import ValidationError
from hearth.store import default_url
from hearth.store.identity import check_server_id

from .tasks import DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_USER, TaskLimits
from .throttle import ThrottleLimits

DEFAULT_LISTEN = "127.0.0.1:8080"
ROOT_STATE_DIR = Path("/var/lib/hearth")
MAX_CONFIG_BYTES = 64 * 1024
MAX_QUEUE_LIMIT = 100_000
DEFAULT_JSON_BODY = 1 << 20
DEFAULT_UPLOAD_BODY = 1 << 40


class DriverName(StrEnum):
    mock = "mock"
    libvirt = "libvirt"
    qemu = "qemu"
    ec2 = "ec2"


# Backends a server may offer per request besides its own: those fronting a cloud, whose
# credentials each request brings (HTTP Basic), so no local user or host is involved.
PER_REQUEST_DRIVERS = frozenset({DriverName.ec2})
# The table of each driver's settings in the config (the drivers without one take none).
_DRIVER_TABLES = {DriverName.libvirt: "libvirt", DriverName.ec2: "ec2"}
# Keys of an extra driver's table refused: the credentials come with each request.
_PER_REQUEST_SECRETS = ("access_key_id", "secret_access_key")


class SeedName(StrEnum):
    """What a new mock store is seeded with: Hearth's catalogue, or Deltacloud's mock fixtures
    (for Deltacloud's test suite)."""

    default = "default"
    deltacloud = "deltacloud"


def default_state_dir() -> Path:
    """/var/lib/hearth for root, else the XDG data directory of the user."""
    if os.geteuid() == 0:
        return ROOT_STATE_DIR
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hearth"


@dataclass(frozen=True)
class ServiceConfig:
    driver: DriverName = DriverName.mock
    uris: tuple[str, ...] = ()
    state_dir: Path = field(default_factory=default_state_dir)
    db: str | None = None
    listen: str = DEFAULT_LISTEN
    seed: SeedName = SeedName.default  # what a new mock store starts with (the mock only)
    task_workers: int = 4
    max_queued_tasks: int = DEFAULT_MAX_QUEUED
    max_queued_tasks_per_user: int = DEFAULT_MAX_QUEUED_PER_USER
    server_id: str | None = None  # None: the store's own (hearth.store.identity)
    also_drivers: tuple[DriverName, ...] = ()  # extra backends a Deltacloud request may pick
    libvirt: Mapping[str, Any] = field(default_factory=dict)  # the [libvirt] table, for that driver
    ec2: Mapping[str, Any] = field(default_factory=dict, repr=False)  # [ec2]: holds credentials
    blobs: Mapping[str, Any] = field(default_factory=dict, repr=False)  # [blobs]: where blob bytes live
    max_json_body_bytes: int = DEFAULT_JSON_BODY
    max_upload_body_bytes: int = DEFAULT_UPLOAD_BODY
    auth_failures_per_user: int = ThrottleLimits.per_user
    auth_failures_per_address: int = ThrottleLimits.per_address
    auth_failure_window_seconds: int = int(ThrottleLimits.window)

    @property
    def auth_throttle(self) -> ThrottleLimits:
        return ThrottleLimits(
            per_user=self.auth_failures_per_user,
            per_address=self.auth_failures_per_address,
            window=float(self.auth_failure_window_seconds),
        )

    @property
    def task_limits(self) -> TaskLimits:
        return TaskLimits(
            max_queued=self.max_queued_tasks, max_queued_per_user=self.max_queued_tasks_per_user
        )

    @property
    def db_url(self) -> str:
        """The store URL: ``db`` when given, else SQLite in the state directory."""
        return self.db or default_url(self.state_dir)

    @property
    def db_display(self) -> str:
        """The store URL safe to print: any password is masked."""
        try:
            return make_url(self.db_url).render_as_string(hide_password=True)
        except ArgumentError:
            return "<invalid database URL>"

    @property
    def drivers(self) -> tuple[DriverName, ...]:
        """Every backend this server answers for: its own first, then the per-request ones."""
        return (self.driver, *self.also_drivers)

    def options_of(self, driver: DriverName) -> Mapping[str, Any]:
        """The config table of ``driver``'s settings (empty for a driver that has none)."""
        table = _DRIVER_TABLES.get(driver)
        return getattr(self, table) if table is not None else {}

    @property
    def host_port(self) -> tuple[str, int]:
        return parse_listen(self.listen)

    def with_overrides(self, **values: Any) -> ServiceConfig:
        """A copy with the given keys replaced; ``None`` values mean "not given" and are ignored."""
        return _checked(replace(self, **{k: v for k, v in values.items() if v is not None}))


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for IPv6) into its parts, refusing anything else."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError(f"listen address {value!r} must be HOST:PORT, e.g. {DEFAULT_LISTEN}")
    return host.strip("[]"), int(port)


# Integer keys and their bounds.
_BOUNDS = {
    "max_json_body_bytes": (1024, 1 << 30),
    "max_upload_body_bytes": (1024, 1 << 50),
    "auth_failures_per_user": (0, 1_000_000),
    "auth_failures_per_address": (0, 1_000_000),
    "auth_failure_window_seconds": (1, 86_400),
}
_INT_KEYS = {"task_workers", "max_queued_tasks", "max_queued_tasks_per_user", *_BOUNDS}
_TABLE_KEYS = {"libvirt", "ec2", "blobs"}
_LIST_KEYS = {"uris", "also_drivers"}
_KEYS = {"driver", "uris", "state_dir", "db", "listen", "server_id", "seed"}
_KEYS |= {*_LIST_KEYS, *_INT_KEYS, *_TABLE_KEYS}


def load_config(path: Path | None, base: ServiceConfig | None = None) -> ServiceConfig:
    """Read a TOML config file over ``base`` (the defaults when None)."""
    config = base or ServiceConfig()
    if path is None:
        return _checked(config)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read config file {path}: {exc.strerror}", path=str(path)) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ValidationError(f"config file {path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"config file {path} is not valid TOML: {exc}", path=str(path)) from None
    return config.with_overrides(**_from_mapping(data, path))


def _from_mapping(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ValidationError(
            f"config file {path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})",
            key=unknown[0],
        )
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
                raise ValidationError(f"config file {path}: {key} must be a list of strings", key=key)
            out[key] = tuple(value)
        elif key in _TABLE_KEYS:
            if not isinstance(value, dict):
                raise ValidationError(f"config file {path}: [{key}] must be a table", key=key)
            out[key] = dict(value)
        elif key in _INT_KEYS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(f"config file {path}: {key} must be an integer", key=key)
            out[key] = value
        else:
            if not isinstance(value, str):
                raise ValidationError(f"config file {path}: {key} must be a string")
            out[key] = Path(value).expanduser() if key == "state_dir" else value
    return out


def _checked(config: ServiceConfig) -> ServiceConfig:
    try:
        driver = DriverName(config.driver)
    except ValueError:
        names = ", ".join(d.value for d in DriverName)
        raise ValidationError(f"unknown driver {config.driver!r}; choose one of {names}") from None
    try:
        seed = SeedName(config.seed)
    except ValueError:
        names = ", ".join(n.value for n in SeedName)
        raise ValidationError(f"unknown seed {config.seed!r}; choose one of {names}") from None
    if seed is not SeedName.default and driver is not DriverName.mock:
        raise ValidationError(f"--seed {seed.value} applies to the mock driver, not {driver.value}")
    if driver is DriverName.mock and config.uris:
        raise ValidationError("the mock driver takes no --uri (it has no hypervisor to connect to)")
    if not 1 <= config.task_workers <= 64:
        raise ValidationError("task_workers must be between 1 and 64")
    for key in ("max_queued_tasks", "max_queued_tasks_per_user"):
        if not 1 <= getattr(config, key) <= MAX_QUEUE_LIMIT:
            raise ValidationError(f"{key} must be between 1 and {MAX_QUEUE_LIMIT}", key=key)
    for key, (low, high) in _BOUNDS.items():
        if not low <= getattr(config, key) <= high:
            raise ValidationError(f"{key} must be between {low} and {high}", key=key)
    parse_listen(config.listen)
    if config.server_id is not None:
        check_server_id(config.server_id)
    also = _also_drivers(config.also_drivers, driver)
    if config.libvirt and driver is not DriverName.libvirt:
        raise ValidationError(f"the [libvirt] table applies to the libvirt driver, not {driver.value}")
    if config.ec2 and DriverName.ec2 not in (driver, *also):
        raise ValidationError(
            f"the [ec2] table applies to the ec2 driver, not {driver.value} (add it with also_drivers)"
        )
    if DriverName.ec2 in also:
        for key in _PER_REQUEST_SECRETS:
            if key in config.ec2:
                raise ValidationError(
                    f"[ec2] {key}: an ec2 driver reached per request takes each request's "
                    "credentials (HTTP Basic), never the server's",
                    key=key,
                )
    return replace(
        config, driver=driver, also_drivers=also, seed=seed, state_dir=Path(config.state_dir).expanduser()
    )


def _also_drivers(names: tuple[str, ...], driver: DriverName) -> tuple[DriverName, ...]:
    """The extra drivers, each known, per-request capable, not the server's own, once."""
    out: list[DriverName] = []
    for name in names:
        try:
            extra = DriverName(name)
        except ValueError:
            known = ", ".join(sorted(d.value for d in PER_REQUEST_DRIVERS))
            raise ValidationError(f"unknown extra driver {name!r}; choose from {known}") from None
        if extra not in PER_REQUEST_DRIVERS:
            known = ", ".join(sorted(d.value for d in PER_REQUEST_DRIVERS))
            raise ValidationError(
                f"{extra.value} cannot be an extra driver: only backends fronting a cloud ({known}) "
                "are reached per request; serve it with --driver instead",
                driver=extra.value,
            )
        if extra is driver:
            raise ValidationError(f"{extra.value} is already the server's driver; drop it from also_drivers")
        if extra in out:
            raise ValidationError(f"extra driver {extra.value} is named twice")
        out.append(extra)
    return tuple(out)
