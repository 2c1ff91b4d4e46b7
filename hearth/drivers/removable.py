"""Removable media (the ``disks`` collection: cdrom and floppy drives), written once for every backend.

Which drive a medium goes into, when a drive may be added, and that a running guest gets the
change live before its definition records it are the same decisions on every backend, so they
are made here, with the rules of ``hearth.media.drives``. What differs is only how a backend
reads an instance's drives, checks a local medium, changes a running guest and records the
change: its ``Disks`` part derives from ``RemovableDisks`` and implements ``MediaPort`` for that.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from hearth.errors import NotSupported
from hearth.media import drives
from hearth.media.attach import RemoteOptions, medium_url, removable_disk
from hearth.media.urls import redact
from hearth.vocab.disk_devices import DiskDevice, RemovableType, disk_device
from hearth.vocab.instance_states import InstanceState

from .caller import Caller
from .parts import DisksPart
from .resources import DiskCreate, DiskUpdate, InstanceDisk, MediumSource

if TYPE_CHECKING:  # the XML model is loaded by the calls that make it (``hearth.media.attach``)
    from hearth.domain import Disk

H = TypeVar("H")


@dataclass(frozen=True, slots=True)
class Drive:
    """One drive of an instance as the algorithm sees it, whatever the backend keeps."""

    dev: str
    device: DiskDevice
    bus: str | None
    path: str | None = None
    url: str | None = None  # as the backend holds it, credentials included: ``view`` redacts
    readonly: bool = False
    network: bool = False  # a network source, shown as ``url`` when it is one Hearth can name

    @property
    def empty(self) -> bool:
        """No medium in it (a network source that is not a URL is a medium all the same)."""
        return self.path is None and self.url is None and not self.network


@dataclass(frozen=True, slots=True)
class Change:
    """A removable drive as it is to become: ``path`` (checked) or ``url`` is its medium, neither
    an empty drive; ``new`` adds the drive, which happens only while the instance is stopped."""

    dev: str
    kind: RemovableType
    bus: str | None
    path: str | None
    url: str | None
    options: RemoteOptions | None
    new: bool

    @property
    def drive(self) -> Drive:
        return Drive(self.dev, self.kind, self.bus, self.path, self.url, True, self.url is not None)


@dataclass(frozen=True, slots=True)
class Held(Generic[H]):
    """An instance's drives read for a change, with what the change depends on. ``handle`` is the
    backend's own hold on the instance (its domain, its design, its store session)."""

    instance_id: str
    state: InstanceState
    machine: str | None  # as its definition names it; None: ``drives.DEFAULT_MACHINE``
    drives: list[Drive]
    handle: H


class MediaPort(Protocol[H]):
    """What a backend does for this algorithm; everything else is decided here."""

    @property
    def driver_name(self) -> str: ...

    @property
    def removable_kinds(self) -> frozenset[RemovableType]:
        """The kinds of removable drive this backend can give a guest at all."""
        ...

    def load_drives(self, caller: Caller, instance_id: str) -> tuple[str, list[Drive]]:
        """The instance's id and its drives that have a target (NotFound if the caller may not see it)."""
        ...

    def changing_drives(self, caller: Caller, instance_id: str) -> AbstractContextManager[Held[H]]:
        """The instance's drives, state and machine, held (locked, in a session) while they change;
        an error inside leaves nothing recorded."""
        ...

    def local_medium(self, held: Held[H], kind: RemovableType, path: str, caller: Caller) -> str:
        """The path of a local medium as the guest is to open it, refused if the caller may not."""
        ...

    def apply_live(self, held: Held[H], change: Change) -> None:
        """Put the change on the running guest (its definition is ``persist``'s)."""
        ...

    def persist(self, held: Held[H], change: Change) -> None:
        """Record the change in the instance's definition, which its next start runs."""
        ...


class RemovableDisks(DisksPart, MediaPort[H]):
    """The disks part of every backend that has removable drives: the contract's four operations,
    made of the port its ``Disks`` subclass implements."""

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        iid, found = self.load_drives(caller, instance_id)
        return [view(iid, d) for d in found]

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        iid, found = self.load_drives(caller, instance_id)
        return view(iid, _drive(found, iid, dev))

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        """Fill the first empty drive of the type, else (STOPPED only) add one; a running guest
        without an empty drive of the type is refused, because drives are not hot-plugged."""
        kind = request.type
        if kind not in self.removable_kinds:
            raise NotSupported(
                f"the {self.driver_name} driver's machines have no {kind.value} drives; use a "
                + " or ".join(sorted(k.value for k in self.removable_kinds)),
                driver=self.driver_name,
                type=kind.value,
            )
        with self.changing_drives(caller, instance_id) as held:
            drives.check_changeable(held.instance_id, held.state)
            empty = next((d for d in held.drives if d.device is kind and d.empty), None)
            if empty is not None:
                return self._put(caller, held, empty.dev, kind, empty.bus, request.medium, new=False)
            if held.state is InstanceState.RUNNING:
                raise drives.no_empty_drive(held.instance_id, kind)
            dev, bus = drives.new_drive(kind, (d.dev for d in held.drives), machine=held.machine)
            return self._put(caller, held, dev, kind, bus, request.medium, new=True)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        """Change or (medium None) eject the medium of removable drive ``dev``."""
        dev = drives.parse_dev(dev)
        with self.changing_drives(caller, instance_id) as held:
            current = _drive(held.drives, held.instance_id, dev)
            if not isinstance(current.device, RemovableType):
                raise drives.not_removable(held.instance_id, dev, current.device)
            drives.check_changeable(held.instance_id, held.state)
            return self._put(caller, held, dev, current.device, current.bus, request.medium, new=False)

    def _put(
        self,
        caller: Caller,
        held: Held[H],
        dev: str,
        kind: RemovableType,
        bus: str | None,
        medium: MediumSource | None,
        *,
        new: bool,
    ) -> InstanceDisk:
        path = self.local_medium(held, kind, medium.path, caller) if medium and medium.path else None
        options = (
            RemoteOptions(medium.sslverify, medium.readahead_bytes, medium.timeout_seconds)
            if medium
            else None
        )
        change = Change(dev, kind, bus, path, medium.url if medium else None, options, new)
        # A new drive is only added while stopped (checked above); live, a medium changes before the
        # definition records it, so a guest that refused it is not recorded as holding it.
        if held.state is InstanceState.RUNNING:
            self.apply_live(held, change)
        self.persist(held, change)
        return view(held.instance_id, change.drive)


def view(instance_id: str, drive: Drive) -> InstanceDisk:
    """The contract's drive, with any credentials of its URL masked (here, for every backend)."""
    return InstanceDisk(
        dev=drive.dev,
        type=drive.device,
        bus=drive.bus,
        instance_id=instance_id,
        path=drive.path,
        url=redact(drive.url) if drive.url else None,
        readonly=drive.readonly,
    )


# --- for the backends that keep drives as libvirt ``<disk>`` elements (libvirt, qemu) ---------


def drive_of(disk: Disk) -> Drive:
    network = disk.type == "network"
    return Drive(
        dev=disk.target_dev or "",
        device=disk_device(disk.device),
        bus=disk.target_bus,
        path=None if network else disk.source_path,
        url=medium_url(disk),
        readonly=bool(disk.readonly),
        network=network,
    )


def disk_of(change: Change) -> Disk:
    """The ``<disk>`` of the drive as the change makes it."""
    return removable_disk(
        change.kind.value, change.dev, change.bus, path=change.path, url=change.url, options=change.options
    )


def _drive(found: list[Drive], instance_id: str, dev: str) -> Drive:
    for drive in found:
        if drive.dev == dev:
            return drive
    raise drives.not_found(instance_id, dev)
