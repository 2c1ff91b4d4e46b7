"""The per-collection parts a backend is composed of, one base class per collection.

A backend subclasses the parts it serves (``hearth/drivers/<backend>/instances.py`` holds its
``Instances(InstancesPart)``, and so on, the same file names in every backend) and lists them in
its ``Driver`` subclass's ``parts``. Every part of one backend is built with that backend's one
context object (engine, host links or layout, locks), which is how parts share state: never by
calling into each other's privates. A contract method a part leaves alone raises NotSupported
naming driver and operation, and is not advertised (capabilities come from the overrides).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from hearth.errors import NotSupported
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.instance_states import InstanceState

from .caller import Caller
from .consoles import ConsoleStream, consoles_of
from .operations import DEFAULT_STOP_TIMEOUT, OPERATION_METHODS, Collection, Operation, features_used
from .resources import (
    Action,
    Address,
    AddressCreate,
    ConsoleOutput,
    DiskCreate,
    DiskUpdate,
    HardwareProfile,
    Image,
    ImageCreate,
    ImageImport,
    Instance,
    InstanceConsoles,
    InstanceCreate,
    InstanceDisk,
    InstanceFilter,
    InstanceMetrics,
    InterfaceCreate,
    InterfaceUpdate,
    Key,
    KeyCreate,
    KeyCreated,
    KeyImport,
    Network,
    NetworkCreate,
    NetworkInterface,
    NetworkUpdate,
    Realm,
    Snapshot,
    SnapshotCreate,
    StoragePool,
    Subnet,
    SubnetCreate,
    SubnetUpdate,
    Volume,
    VolumeAttach,
    VolumeCreate,
)

if TYPE_CHECKING:
    from . import states
    from .base import Driver

# A public method named like a contract operation ("list_...", "create_..."): on a part it must
# be one of its own collection's operations, so a misspelt override fails at import.
_OPERATION_SHAPED = re.compile(
    r"^(list|get|create|start|stop|reboot|suspend|resume|destroy|delete|import|update|attach|detach"
    r"|associate|disassociate)_"
)


class Part:
    """One collection of one backend. ``context`` is the backend's shared state."""

    collection: ClassVar[Collection]
    operations: ClassVar[frozenset[Operation]] = frozenset()
    """This part's collection's operations that it implements (set per subclass)."""
    store_operations: ClassVar[frozenset[Operation]] = frozenset()
    """Those of its operations answered from Hearth's store alone, never waiting on a backend
    (they make up the driver's ``store_operations``)."""

    def __init__(self, context: Any, driver: type[Driver]) -> None:
        self.context = context
        self.driver = driver
        """The backend's driver class: its name, features and the actions it can take."""

    @property
    def driver_name(self) -> str:
        return self.driver.name

    def require_features(self, request: InstanceCreate | InstanceFilter | VolumeCreate) -> None:
        """Raise NotSupported for the first optional feature the request uses but we lack."""
        missing = sorted(features_used(request) - self.driver.features)
        if missing:
            raise NotSupported(
                f"the {self.driver_name} driver does not support {missing[0].value}",
                driver=self.driver_name,
                feature=missing[0].value,
            )

    def allowed_actions(self, state: InstanceState) -> list[Action]:
        """Actions to list on an instance: allowed in its state and implemented by this driver."""
        return self.driver.allowed_actions(state)

    def check_action(self, instance_id: str, state: InstanceState, action: Action) -> states.Transition:
        return self.driver.check_action(instance_id, state, action)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        base = _base_part(cls)
        if base is None:  # one of the bases below
            return
        own = {op for op, meth in OPERATION_METHODS.items() if op.collection is base.collection}
        names = {OPERATION_METHODS[op] for op in own}
        for attr in vars(cls):
            if _OPERATION_SHAPED.match(attr) and attr not in names and callable(getattr(cls, attr)):
                raise TypeError(
                    f"{cls.__qualname__}.{attr} looks like a contract operation but is not one of "
                    f"{base.collection.value}: {', '.join(sorted(names))} (rename it or prefix _)"
                )
        cls.operations = frozenset(
            op for op in own if getattr(cls, meth := OPERATION_METHODS[op]) is not getattr(base, meth)
        )

    def _unsupported(self, op: Operation) -> NoReturn:
        raise NotSupported(
            f"the {self.driver_name} driver does not support {op.value}",
            driver=self.driver_name,
            operation=op.value,
        )


def _base_part(cls: type[Part]) -> type[Part] | None:
    """The collection base (InstancesPart, …) ``cls`` derives from; None for a base itself."""
    if cls.__module__ == __name__:
        return None
    for klass in cls.__mro__:
        if klass.__module__ == __name__ and klass is not Part and issubclass(klass, Part):
            return klass
    raise TypeError(f"{cls.__qualname__} derives from Part but from no collection's part")


class InstancesPart(Part):
    collection = Collection.instances

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        self._unsupported(Operation.instances_list)

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        self._unsupported(Operation.instances_get)

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        self._unsupported(Operation.instances_create)

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        self._unsupported(Operation.instances_start)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        """Ask the guest to shut down, forcing it off after ``timeout`` seconds (at once if force)."""
        self._unsupported(Operation.instances_stop)

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        self._unsupported(Operation.instances_reboot)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        self._unsupported(Operation.instances_suspend)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        self._unsupported(Operation.instances_resume)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        """Remove a stopped instance; returns its last view (state FINISHED); then it is gone."""
        self._unsupported(Operation.instances_destroy)

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        """The last ``CONSOLE_OUTPUT_LIMIT`` bytes the guest wrote to its serial console."""
        self._unsupported(Operation.instances_console_output)

    def get_instance_metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        """Figures read now from a RUNNING or PAUSED guest; InvalidState in any other state."""
        self._unsupported(Operation.instances_metrics)

    def open_serial_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """The guest's serial port as a byte stream (``hearth.drivers.consoles``), while it runs;
        InvalidState in other states. Runs on a worker thread; the stream on the event loop."""
        self._unsupported(Operation.instances_serial_console)

    def open_graphics_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """The guest's VNC server as a byte stream (RFB), reached on this host only (a unix
        socket or loopback, never the network); InvalidState unless it runs with a VNC screen."""
        self._unsupported(Operation.instances_graphics_console)

    def consoles(self, state: InstanceState, graphics: GraphicsType | None) -> InstanceConsoles:
        """An instance view's ``consoles``: derived from what this part serves, so it cannot
        offer a console the backend cannot open."""
        return consoles_of(state, graphics, serial=Operation.instances_serial_console in self.operations)


class ImagesPart(Part):
    collection = Collection.images

    def list_images(self, caller: Caller) -> list[Image]:
        self._unsupported(Operation.images_list)

    def get_image(self, caller: Caller, image_id: str) -> Image:
        self._unsupported(Operation.images_get)

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        """Capture the disk of a STOPPED instance as a new image owned by the caller."""
        self._unsupported(Operation.images_create)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        self._unsupported(Operation.images_delete)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        """Add an image from files on the server's host, copied into the driver's pool (admins)."""
        self._unsupported(Operation.images_import)


class RealmsPart(Part):
    collection = Collection.realms

    def list_realms(self, caller: Caller) -> list[Realm]:
        self._unsupported(Operation.realms_list)

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        self._unsupported(Operation.realms_get)


class HardwareProfilesPart(Part):
    collection = Collection.hardware_profiles

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        self._unsupported(Operation.hardware_profiles_list)

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        self._unsupported(Operation.hardware_profiles_get)


class KeysPart(Part):
    collection = Collection.keys

    def list_keys(self, caller: Caller) -> list[Key]:
        self._unsupported(Operation.keys_list)

    def get_key(self, caller: Caller, key_id: str) -> Key:
        self._unsupported(Operation.keys_get)

    def create_key(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        """Generate a keypair; the private key is in this response only and never stored."""
        self._unsupported(Operation.keys_create)

    def import_key(self, caller: Caller, request: KeyImport) -> Key:
        self._unsupported(Operation.keys_import)

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self._unsupported(Operation.keys_delete)


class VolumesPart(Part):
    collection = Collection.volumes

    def list_volumes(self, caller: Caller) -> list[Volume]:
        self._unsupported(Operation.volumes_list)

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        self._unsupported(Operation.volumes_get)

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        self._unsupported(Operation.volumes_create)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        """Refused with Conflict while the volume is attached or has snapshots."""
        self._unsupported(Operation.volumes_delete)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        self._unsupported(Operation.volumes_attach)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        self._unsupported(Operation.volumes_detach)


class SnapshotsPart(Part):
    collection = Collection.snapshots

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        self._unsupported(Operation.snapshots_list)

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        self._unsupported(Operation.snapshots_get)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        self._unsupported(Operation.snapshots_create)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        self._unsupported(Operation.snapshots_delete)


class NetworksPart(Part):
    collection = Collection.networks

    def list_networks(self, caller: Caller) -> list[Network]:
        self._unsupported(Operation.networks_list)

    def get_network(self, caller: Caller, network_id: str) -> Network:
        self._unsupported(Operation.networks_get)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        self._unsupported(Operation.networks_create)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        """Rename or change blocks; blocks that would strand an existing subnet are refused."""
        self._unsupported(Operation.networks_update)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        """Refused with Conflict while the network has subnets."""
        self._unsupported(Operation.networks_delete)


class SubnetsPart(Part):
    collection = Collection.subnets

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        self._unsupported(Operation.subnets_list)

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        self._unsupported(Operation.subnets_get)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        """The block must lie inside one of the network's blocks and not overlap a sibling."""
        self._unsupported(Operation.subnets_create)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        self._unsupported(Operation.subnets_update)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        """Refused with Conflict while an instance is bound to the subnet."""
        self._unsupported(Operation.subnets_delete)


class AddressesPart(Part):
    collection = Collection.addresses

    def list_addresses(self, caller: Caller) -> list[Address]:
        self._unsupported(Operation.addresses_list)

    def get_address(self, caller: Caller, address_id: str) -> Address:
        self._unsupported(Operation.addresses_get)

    def create_address(self, caller: Caller, request: AddressCreate) -> Address:
        """Allocate a public address to the caller."""
        self._unsupported(Operation.addresses_create)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        """Release an address; refused with Conflict while it is associated."""
        self._unsupported(Operation.addresses_delete)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        self._unsupported(Operation.addresses_associate)

    def disassociate_address(self, caller: Caller, address_id: str) -> Address:
        self._unsupported(Operation.addresses_disassociate)


class InterfacesPart(Part):
    collection = Collection.interfaces

    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        self._unsupported(Operation.interfaces_list)

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        self._unsupported(Operation.interfaces_get)

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        """Add a NIC; a MAC the instance already has is a Conflict, a missing source a ValidationError."""
        self._unsupported(Operation.interfaces_create)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        """Change the source and/or model; a model change of a RUNNING instance is InvalidState."""
        self._unsupported(Operation.interfaces_update)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> None:
        self._unsupported(Operation.interfaces_delete)


class DisksPart(Part):
    collection = Collection.disks

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        self._unsupported(Operation.disks_list)

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        self._unsupported(Operation.disks_get)

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        """Fill the first empty drive of the type, else (STOPPED only) add a drive; InvalidState if
        the instance runs and has no empty drive of that type (drives are not hot-plugged)."""
        self._unsupported(Operation.disks_create)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        """Change or (medium None) eject the medium of removable drive ``dev``."""
        self._unsupported(Operation.disks_update)


class PoolsPart(Part):
    collection = Collection.pools

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        self._unsupported(Operation.pools_list)

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        """By id; NotFound when no pool has it."""
        self._unsupported(Operation.pools_get)


PART_BASES: dict[Collection, type[Part]] = {
    p.collection: p
    for p in (
        InstancesPart,
        ImagesPart,
        RealmsPart,
        HardwareProfilesPart,
        KeysPart,
        VolumesPart,
        SnapshotsPart,
        NetworksPart,
        SubnetsPart,
        AddressesPart,
        InterfacesPart,
        DisksPart,
        PoolsPart,
    )
}
