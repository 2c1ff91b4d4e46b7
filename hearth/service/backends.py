"""Open the configured driver over the service's store engine.

The mock lives in the store itself. Other backends are found by name: the module
``hearth.drivers.<name>`` must offer ``open_driver(*, uris, state_dir, engine, server_id, options)
-> Driver`` (``options``: the config table named after the driver), so a new backend plugs in
without this module importing libvirt or QEMU code up front.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
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


def open_driver(config: ServiceConfig, engine: Engine) -> Driver:
    if config.driver is DriverName.mock:
        return _open_mock(config, engine)
    tables = {DriverName.libvirt: config.libvirt, DriverName.ec2: config.ec2}
    options = tables.get(config.driver, {})
    return _opener(config.driver)(
        uris=list(config.uris),
        state_dir=config.state_dir,
        engine=engine,
        server_id=config.server_id,
        options=options,
    )


def _open_mock(config: ServiceConfig, engine: Engine) -> Driver:
    from hearth.drivers.mock import MockDriver, seed, seed_deltacloud

    if config.seed is SeedName.deltacloud:
        seed_deltacloud(engine)  # a new store only; sets the catalogue marker seed() checks
    seed(engine)  # first start only: the catalogue and the demo users
    return MockDriver(engine)


def _opener(name: DriverName) -> DriverOpener:
    module_name = f"hearth.drivers.{name.value}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise NotSupported(f"the {name.value} driver is not available in this installation") from None
    opener = getattr(module, "open_driver", None)
    if opener is None:
        raise NotSupported(f"the {name.value} driver cannot be opened by the server (no open_driver)")
    return cast(DriverOpener, opener)
