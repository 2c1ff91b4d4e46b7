"""The qemu driver: guests as supervised QEMU processes on this host, no libvirt needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.errors import ValidationError
from hearth.store import default_url

from ..base import Collection, Driver, Feature
from ..caller import SYSTEM_OWNER
from ..events import EventSink
from ..profile_catalogue import TableHardwareProfiles
from ..resources import Image
from ..schema import migrated_engine
from ..stored import StoredKeys
from .catalogue import Realms
from .context import QemuContext
from .images import Images
from .instances import Instances
from .media import Disks
from .networks import Networks, Subnets, reconcile, remove_host_networks
from .nics import Interfaces
from .pools import Pools
from .power import PRESS_INTERVAL
from .snapshots import Snapshots
from .volumes import Volumes
from .watch import QemuEvents


class QemuDriver(Driver):
    """Instances, images, volumes, snapshots, keys; one realm; networks and subnets (Linux bridges
    with NAT and DHCP); NICs in user mode, on networks, on Linux or OVS bridges and on macvtaps.

    Opening a driver on a state directory adopts the guests an earlier process left running and
    reconciles the networks' host side with its tables.
    """

    name = "qemu"
    features = frozenset(Feature)  # every optional feature of the contract
    parts = {
        Collection.instances: Instances,
        Collection.images: Images,
        Collection.realms: Realms,
        Collection.hardware_profiles: TableHardwareProfiles,
        Collection.keys: StoredKeys,
        Collection.volumes: Volumes,
        Collection.snapshots: Snapshots,
        Collection.interfaces: Interfaces,
        Collection.disks: Disks,
        Collection.pools: Pools,
        Collection.networks: Networks,
        Collection.subnets: Subnets,
    }
    context: QemuContext

    def __init__(
        self,
        engine: Engine,
        state_dir: Path,
        *,
        run_dir: Path | None = None,
        media_roots: Sequence[Path] = (),
        binary: str = "qemu-system-x86_64",
        owns_engine: bool = False,
        press_interval: float = PRESS_INTERVAL,
    ) -> None:
        context = QemuContext(
            engine,
            self.name,
            state_dir,
            run_dir=run_dir,
            media_roots=media_roots,
            binary=binary,
            owns_engine=owns_engine,
            press_interval=press_interval,
        )
        super().__init__(context)
        try:
            self.adopt()
        except BaseException:
            self.close()
            raise

    # --- hooks and extensions (not contract operations) ---

    def adopt(self) -> None:
        """Take over every QEMU a previous manager left running and settle what ended meanwhile;
        make every network's bridge, dnsmasq and NAT again, and remove those no network claims."""
        reconcile(self.context)
        self.context.adopt()

    def remove_host_networks(self) -> None:
        """Take every network's bridge, dnsmasq and NAT off the host (test teardown, uninstall);
        the rows stay, and the next driver on this state directory makes them again."""
        remove_host_networks(self.context)

    def power_off_all(self) -> None:
        """Force every running guest off at once (host shutdown, test teardown)."""
        self.context.power_off_all()

    def register_image(
        self,
        name: str,
        *,
        os: str,
        disk: Path | None = None,
        kernel: Path | None = None,
        initrd: Path | None = None,
        cmdline: str | None = None,
        description: str = "",
        owner_id: str = SYSTEM_OWNER,
        image_id: str | None = None,
    ) -> Image:
        """Add an image from local files (an admin's act, not a tenant operation); shared with
        everyone when owned by SYSTEM_OWNER."""
        return self._part(Images).register_image(
            name,
            os=os,
            disk=disk,
            kernel=kernel,
            initrd=initrd,
            cmdline=cmdline,
            description=description,
            owner_id=owner_id,
            image_id=image_id,
        )

    def staging_dir(self) -> Path:
        # Beside the images, on their file system, but outside them: files under images/ may be
        # attached as media, and a half-uploaded disk must never be.
        where = self.context.layout.staging
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        return where

    def close(self) -> None:
        """Stop managing; guests keep running and a later driver on this state dir adopts them."""
        self.context.close()

    def watch(self, sink: EventSink) -> None:
        """QMP events and process exits of every QEMU this driver supervises (``watch.py``)."""
        self.context.watch(QemuEvents(self.context.owner_of, sink))

    def __enter__(self) -> QemuDriver:
        return self


def open_qemu_driver(
    state_dir: Path,
    url: str | None = None,
    *,
    run_dir: Path | None = None,
    media_roots: Sequence[Path] = (),
) -> QemuDriver:
    """Open (migrating) the store at ``url`` (default: SQLite in ``state_dir``) and the driver."""
    Path(state_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    with migrated_engine(url or default_url(Path(state_dir)), "qemu") as engine:
        return QemuDriver(engine, Path(state_dir), run_dir=run_dir, media_roots=media_roots, owns_engine=True)


def open_driver(
    *,
    uris: list[str],
    state_dir: Path,
    engine: Engine,
    server_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> QemuDriver:
    """The server's entry point (hearth.service.backends): the service's own, migrated store.

    The qemu driver manages this host only, so it takes no URIs; its instances live in its own
    state dir, so it needs no server id to tell them from another server's.
    """
    if uris:
        raise ValidationError("the qemu driver manages the local host only: it takes no --uri")
    if options:
        raise ValidationError("the qemu driver takes no driver options")
    qemu_dir = state_dir / "qemu"
    qemu_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return QemuDriver(engine, qemu_dir)
