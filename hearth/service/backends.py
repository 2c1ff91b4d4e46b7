"""Open the configured driver over the service's store engine.

The mock lives in the store itself. Other backends are found by name: the module
``hearth.drivers.<name>`` must offer ``open_driver(*, uris, state_dir, engine, server_id, options)
-> Driver`` (``options``: the config table named after the driver) and its class under the
name ``_CLASSES`` gives, so a new backend plugs in without this module importing libvirt or QEMU
code up front.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, cast

from sqlalchemy import Engine

from hearth.drivers import Driver
from hearth.errors import NotSupported

from .config import DriverName, SeedName, ServiceConfig


class DriverOpener(Protocol):
    def __call__(
        self,
        *,
        uris: list[str],
        state_dir: Path,
        engine: Engine,
        server_id: str | None,
        options: Mapping[str, Any],
    ) -> Driver: ...


# Each backend's Driver class, by name in its package.
_CLASSES = {
    DriverName.mock: "MockDriver",
    DriverName.libvirt: "LibvirtDriver",
    DriverName.qemu: "QemuDriver",
    DriverName.ec2: "Ec2Driver",
}


def open_driver(config: ServiceConfig, engine: Engine) -> Driver:
    if config.driver is DriverName.mock:
        return _open_mock(config, engine)
    return _opener(config.driver)(
        uris=list(config.uris),
        state_dir=config.state_dir,
        engine=engine,
        server_id=config.server_id,
        options=config.options_of(config.driver),
    )


def driver_class(name: DriverName) -> type[Driver]:
    """The backend's Driver class, for what it declares (``capabilities()``), without opening it."""
    found = getattr(_module(name), _CLASSES[name], None)
    if not (isinstance(found, type) and issubclass(found, Driver)):
        raise NotSupported(f"the {name.value} driver has no {_CLASSES[name]} class")
    return found


def seed_store(config: ServiceConfig, engine: Engine) -> None:
    """What a new store of the configured driver starts with (the mock's catalogue and demo
    users, or Deltacloud's fixtures); a store seeded before is left as it is."""
    if config.driver is not DriverName.mock:
        return
    from hearth.drivers.mock import seed, seed_deltacloud

    if config.seed is SeedName.deltacloud:
        seed_deltacloud(engine)  # a new store only; sets the catalogue marker seed() checks
    seed(engine)  # first start only: the catalogue and the demo users


def _open_mock(config: ServiceConfig, engine: Engine) -> Driver:
    from hearth.drivers.mock import INSTANT, MockDriver

    seed_store(config, engine)
    # Deltacloud's mock, exactly: its transitions are instant too.
    return MockDriver(engine, timing=INSTANT if config.seed is SeedName.deltacloud else None)


def _module(name: DriverName) -> ModuleType:
    module_name = f"hearth.drivers.{name.value}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise NotSupported(f"the {name.value} driver is not available in this installation") from None


def _opener(name: DriverName) -> DriverOpener:
    opener = getattr(_module(name), "open_driver", None)
    if opener is None:
        raise NotSupported(f"the {name.value} driver cannot be opened by the server (no open_driver)")
    return cast(DriverOpener, opener)


def open_backend(name: DriverName, engine: Engine, state_dir: Path, options: Mapping[str, Any]) -> Driver:
    """A backend other than the server's own over its own migrated store (``engine``)."""
    return _opener(name)(uris=[], state_dir=state_dir, engine=engine, server_id=None, options=options)


def providers_of(name: DriverName, options: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The providers (regions) a backend reaches and their entry points by kind, from its
    config table alone (the module's optional ``providers(options)``; none without one)."""
    if name is DriverName.mock:
        return {}
    found = getattr(_module(name), "providers", None)
    if found is None:
        return {}
    return cast(dict[str, dict[str, str]], found(options))
