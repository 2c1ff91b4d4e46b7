"""The libvirt driver: instances, images, volumes, snapshots, networks and NICs on libvirt hosts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.errors import Forbidden
from hearth.store import default_url

from ..base import Collection, Driver, Feature
from ..caller import SYSTEM_OWNER, Caller
from ..events import EventSink
from ..profile_catalogue import TableHardwareProfiles
from ..resources import Architecture, Image, Instance
from ..schema import migrated_engine
from ..stored import StoredKeys
from .catalogue import Realms
from .config import LibvirtConfig
from .context import LibvirtContext
from .images import Images
from .instances import Instances
from .media import Disks
from .networks import Networks, Subnets
from .nics import Interfaces
from .pools import Pools
from .snapshots import Snapshots
from .volumes import Volumes
from .watch import LibvirtEvents


class LibvirtDriver(Driver):
    """Every operation but public addresses (libvirt has no floating IPs) over one or more hosts."""

    name = "libvirt"
    features = frozenset(Feature)  # every optional feature of the contract
    parts = {
        Collection.instances: Instances,
        Collection.images: Images,
        Collection.realms: Realms,
        Collection.hardware_profiles: TableHardwareProfiles,
        Collection.keys: StoredKeys,
        Collection.volumes: Volumes,
        Collection.snapshots: Snapshots,
        Collection.networks: Networks,
        Collection.subnets: Subnets,
        Collection.interfaces: Interfaces,
        Collection.disks: Disks,
        Collection.pools: Pools,
    }
    context: LibvirtContext

    def __init__(self, config: LibvirtConfig, engine: Engine, *, owns_engine: bool = False) -> None:
        super().__init__(LibvirtContext(config, engine, self.name, owns_engine=owns_engine))
        self._events: LibvirtEvents | None = None

    # --- hooks and extensions (not contract operations) ---

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
        self.context.close()

    def watch(self, sink: EventSink) -> None:
        """libvirt's lifecycle events of this server's domains, on every host (``watch.py``)."""
        links = list(self.context.links.values())
        self._events = LibvirtEvents(self.context.server_id, links, sink, self.context.detaches)

    def host_report(self) -> dict[str, str | None]:
        return self.context.host_report()

    def host_file_problem(self, caller: Caller, label: str, path: str) -> str | None:
        return self.context.host_file_problem(label, path)

    def adopt_instance(self, caller: Caller, instance_id: str) -> Instance:
        """Make another server's (or a pre-identity Hearth) instance on a shared host this
        server's; its owner, disks and name stay."""
        if not caller.is_admin:
            raise Forbidden("only an admin may adopt another server's instance", instance=instance_id)
        found = self.context.adopt(instance_id)
        return self.get_instance(caller, found.id)

    def register_image(
        self,
        *,
        name: str,
        os: str | None,
        kernel: Path | None = None,
        initrd: Path | None = None,
        cmdline: str | None = None,
        disk: Path | None = None,
        architecture: Architecture = Architecture.x86_64,
        realm_id: str | None = None,
        owner_id: str = SYSTEM_OWNER,
        image_id: str | None = None,
        description: str = "",
    ) -> Image:
        """Add an image to the catalogue (an operator's job, not a tenant operation).

        ``kernel``/``initrd`` are paths on the image's host, booted directly; ``disk`` is a local
        file copied into the pool as the base volume. At least one of kernel and disk is needed.
        """
        return self._part(Images).register(
            name=name,
            os=os,
            kernel=kernel,
            initrd=initrd,
            cmdline=cmdline,
            disk=disk,
            architecture=architecture,
            realm_id=realm_id,
            owner_id=owner_id,
            image_id=image_id,
            description=description,
        )


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
