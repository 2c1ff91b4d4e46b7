"""The libvirt driver: instances, images, volumes, snapshots, networks and NICs on libvirt hosts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.store import default_url

from ..schema import migrated_engine
from .config import LibvirtConfig
from .media import DiskOps
from .pools import PoolOps


class LibvirtDriver(PoolOps, DiskOps):
    """Every operation but public addresses (libvirt has no floating IPs) over one or more hosts."""


def open_libvirt_driver(
    uris: list[str] | LibvirtConfig,
    state_dir: Path | None = None,
    *,
    db_url: str | None = None,
    **options: object,
) -> LibvirtDriver:
    """Open the driver over ``uris`` (or a full config), with its store at ``db_url`` (default: the
    state dir's SQLite file), migrating the store first. Connections open lazily, on first use."""
    if isinstance(uris, LibvirtConfig):
        config = uris
    else:
        if state_dir is None:
            raise TypeError("state_dir is required with a list of URIs")
        config = LibvirtConfig.for_uris(uris, state_dir, **options)
    with migrated_engine(db_url or default_url(config.state_dir), "libvirt") as engine:
        return LibvirtDriver(config, engine, owns_engine=True)


def open_driver(
    *,
    uris: list[str],
    state_dir: Path,
    engine: Engine,
    server_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> LibvirtDriver:
    """The server's entry point (hearth.service.backends): the service's own, migrated store;
    one realm per URI, ``qemu:///system`` when none is given; ``options`` is the config's
    ``[libvirt]`` table."""
    config = LibvirtConfig.from_options(
        uris or ["qemu:///system"], state_dir / "libvirt", options or {}, server_id=server_id
    )
    return LibvirtDriver(config, engine, owns_engine=False)
