"""The driver contract: one base class, capabilities derived from what a driver overrides.

A backend subclasses ``Driver`` and overrides the operations it can serve; everything it leaves
alone raises ``NotSupported`` (HTTP 501) naming the driver and operation. ``capabilities()`` is
computed from those overrides plus the declared ``features``, so the advertised surface can never
drift from the code. Every operation takes the ``Caller`` first; drivers enforce ownership with
``hearth.drivers.caller``.

Operations return when the action has been initiated: the returned instance may be in a
transitional state (PENDING, STOPPING); callers poll ``get_instance`` (see ``wait_for_state``).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from pydantic import BaseModel, ConfigDict

from hearth.errors import NotSupported, ValidationError

from . import states
from .caller import Caller
from .resources import (
    Action,
    Address,
    AddressCreate,
    DiskCreate,
    DiskUpdate,
    HardwareProfile,
    Image,
    ImageCreate,
    ImageImport,
    Instance,
    InstanceCreate,
    InstanceDisk,
    InstanceFilter,
    InstanceState,
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

MAX_INSTANCE_COUNT = 100
DEFAULT_STOP_TIMEOUT = 60.0


class Collection(StrEnum):
    instances = "instances"
    images = "images"
    realms = "realms"
    hardware_profiles = "hardware_profiles"
    keys = "keys"
    volumes = "volumes"
    snapshots = "snapshots"
    networks = "networks"
    subnets = "subnets"
    addresses = "addresses"
    pools = "pools"
    # A sub-collection of instances (/instances/{id}/interfaces): methods take the instance id.
    interfaces = "interfaces"
    # Likewise /instances/{id}/disks: removable media (cdrom, floppy) of an instance.
    disks = "disks"


class Feature(StrEnum):
    """Optional request fields a driver accepts; using an undeclared one raises NotSupported."""

    user_data = "user_data"
    authentication_key = "authentication_key"
    volume_name = "volume_name"
    instance_count = "instance_count"
    realm_filter = "realm_filter"
    hardware_profile_overrides = "hardware_profile_overrides"
    templates = "templates"
    # InstanceCreate.start=False: made STOPPED, never run until started.
    create_stopped = "create_stopped"


class Operation(StrEnum):
    instances_list = "instances.list"
    instances_get = "instances.get"
    instances_create = "instances.create"
    instances_start = "instances.start"
    instances_stop = "instances.stop"
    instances_reboot = "instances.reboot"
    instances_suspend = "instances.suspend"
    instances_resume = "instances.resume"
    instances_destroy = "instances.destroy"
    images_list = "images.list"
    images_get = "images.get"
    images_create = "images.create"
    images_delete = "images.delete"
    images_import = "images.import"
    realms_list = "realms.list"
    realms_get = "realms.get"
    hardware_profiles_list = "hardware_profiles.list"
    hardware_profiles_get = "hardware_profiles.get"
    keys_list = "keys.list"
    keys_get = "keys.get"
    keys_create = "keys.create"
    keys_import = "keys.import"
    keys_delete = "keys.delete"
    volumes_list = "volumes.list"
    volumes_get = "volumes.get"
    volumes_create = "volumes.create"
    volumes_delete = "volumes.delete"
    volumes_attach = "volumes.attach"
    volumes_detach = "volumes.detach"
    snapshots_list = "snapshots.list"
    snapshots_get = "snapshots.get"
    snapshots_create = "snapshots.create"
    snapshots_delete = "snapshots.delete"
    networks_list = "networks.list"
    networks_get = "networks.get"
    networks_create = "networks.create"
    networks_update = "networks.update"
    networks_delete = "networks.delete"
    subnets_list = "subnets.list"
    subnets_get = "subnets.get"
    subnets_create = "subnets.create"
    subnets_update = "subnets.update"
    subnets_delete = "subnets.delete"
    addresses_list = "addresses.list"
    addresses_get = "addresses.get"
    addresses_create = "addresses.create"
    addresses_delete = "addresses.delete"
    addresses_associate = "addresses.associate"
    addresses_disassociate = "addresses.disassociate"
    interfaces_list = "interfaces.list"
    interfaces_get = "interfaces.get"
    interfaces_create = "interfaces.create"
    interfaces_update = "interfaces.update"
    interfaces_delete = "interfaces.delete"
    disks_list = "disks.list"
    disks_get = "disks.get"
    disks_create = "disks.create"
    disks_update = "disks.update"
    pools_list = "pools.list"
    pools_get = "pools.get"

    @property
    def collection(self) -> Collection:
        return Collection(self.value.split(".", 1)[0])

    @property
    def verb(self) -> str:
        return self.value.split(".", 1)[1]


# Operation → the Driver method implementing it. Verbs map to method names by one rule
# ("<verb>_<singular>", "list_<plural>"); the table is checked against Driver in the tests.
_SINGULAR = {
    Collection.instances: "instance",
    Collection.images: "image",
    Collection.realms: "realm",
    Collection.hardware_profiles: "hardware_profile",
    Collection.keys: "key",
    Collection.volumes: "volume",
    Collection.snapshots: "snapshot",
    Collection.networks: "network",
    Collection.subnets: "subnet",
    Collection.addresses: "address",
    Collection.interfaces: "interface",
    Collection.disks: "disk",
    Collection.pools: "pool",
}


def method_name(op: Operation) -> str:
    if op.verb == "list":
        return f"list_{op.collection.value}"
    return f"{op.verb}_{_SINGULAR[op.collection]}"


OPERATION_METHODS: dict[Operation, str] = {op: method_name(op) for op in Operation}
ACTION_OPERATIONS: dict[Action, Operation] = {a: Operation(f"instances.{a.value}") for a in Action}


class Capabilities(BaseModel):
    """What a driver serves: only these collections are advertised by the frontends."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    driver: str
    collections: list[Collection]
    operations: list[Operation]
    features: list[Feature]

    def supports(self, op: Operation) -> bool:
        return op in self.operations

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    @property
    def actions(self) -> frozenset[Action]:
        return frozenset(a for a, op in ACTION_OPERATIONS.items() if op in self.operations)


def features_used(request: InstanceCreate | InstanceFilter | VolumeCreate) -> frozenset[Feature]:
    """The optional features a request relies on, so drivers can refuse what they cannot honour."""
    used: set[Feature] = set()
    if isinstance(request, InstanceCreate):
        if request.user_data is not None:
            used.add(Feature.user_data)
        if request.key_name is not None:
            used.add(Feature.authentication_key)
        if request.hwp_overrides:
            used.add(Feature.hardware_profile_overrides)
        if request.template_id is not None or request.spec is not None:
            used.add(Feature.templates)
        if not request.start:
            used.add(Feature.create_stopped)
    elif isinstance(request, InstanceFilter):
        if request.realm_id is not None:
            used.add(Feature.realm_filter)
    elif isinstance(request, VolumeCreate) and request.name is not None:
        used.add(Feature.volume_name)
    return frozenset(used)


class Driver:
    """Base of every backend. Override operations; declare ``name`` and ``features``."""

    name: ClassVar[str] = "base"
    features: ClassVar[frozenset[Feature]] = frozenset()
    # Not a ClassVar: a driver may decide per instance (the mock does, from its store's journal mode).
    inline_operations: frozenset[Operation] = frozenset()
    """Operations this driver answers without blocking (no backend call, no waiting on a lock),
    so they are safe to call on the event loop; the API skips the worker thread for them."""
    store_operations: frozenset[Operation] = frozenset()
    """Operations answered from Hearth's own store alone, never waiting on a backend: the API runs
    them on threads calls to a host cannot take, so a host that hangs does not hold them up."""

    # --- discovery and shared helpers (not operations) -----------------------------------------

    @classmethod
    def capabilities(cls) -> Capabilities:
        return _capabilities(cls)

    @classmethod
    def supported_actions(cls) -> frozenset[Action]:
        return cls.capabilities().actions

    @classmethod
    def allowed_actions(cls, state: InstanceState) -> list[Action]:
        """Actions to list on an instance: allowed in its state and implemented by this driver."""
        return list(_actions_by_state(cls)[state])

    @classmethod
    def check_action(cls, instance_id: str, state: InstanceState, action: Action) -> states.Transition:
        return states.check_action(instance_id, state, action, cls.supported_actions())

    def require_features(self, request: InstanceCreate | InstanceFilter | VolumeCreate) -> None:
        """Raise NotSupported for the first optional feature the request uses but we lack."""
        missing = sorted(features_used(request) - self.features)
        if missing:
            raise NotSupported(
                f"the {self.name} driver does not support {missing[0].value}",
                driver=self.name,
                feature=missing[0].value,
            )

    def act(self, caller: Caller, instance_id: str, action: Action, **options: Any) -> Instance:
        """Dispatch an action by name (what ``POST /instances/{id}/{action}`` needs)."""
        if action is Action.stop:
            unknown = sorted(set(options) - {"timeout", "force"})
            if unknown:
                raise ValidationError(f"stop takes only timeout and force, not {', '.join(unknown)}")
            return self.stop_instance(caller, instance_id, **options)
        if options:
            raise ValidationError(f"action {action.value} takes no options", options=sorted(options))
        method = getattr(self, OPERATION_METHODS[ACTION_OPERATIONS[action]])
        result: Instance = method(caller, instance_id)
        return result

    def create_instances(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        """Create ``count`` instances from one request (feature ``instance_count`` when > 1)."""
        if not 1 <= count <= MAX_INSTANCE_COUNT:
            raise ValidationError(f"count must be between 1 and {MAX_INSTANCE_COUNT}", count=count)
        if count > 1 and Feature.instance_count not in self.features:
            raise NotSupported(f"the {self.name} driver does not support instance_count", driver=self.name)
        if count > 1 and request.name is not None:
            return [
                self.create_instance(caller, request.model_copy(update={"name": f"{request.name}-{i}"}))
                for i in range(1, count + 1)
            ]
        return [self.create_instance(caller, request) for _ in range(count)]

    def host_file_problem(self, caller: Caller, label: str, path: str) -> str | None:
        """Why a guest could not be given host file ``path`` (a template's kernel, initrd or ISO),
        or None; the templates service shows it in ``invalid``. Backends that hand host files to
        a hypervisor running as another user check it; the base knows no such rule."""
        return None

    def adopt_instance(self, caller: Caller, instance_id: str) -> Instance:
        """Take over an instance another Hearth server on a shared host manages (an admin's
        explicit act, never a side effect of listing). Not a contract operation: only backends
        whose hosts several servers share have anything to adopt."""
        raise NotSupported(
            f"the {self.name} driver has no instances of other servers to adopt", driver=self.name
        )

    def host_report(self) -> dict[str, str | None]:
        """Each host (realm) this driver reaches and why it cannot be reached (None: reached),
        tried now; what ``hearth serve`` prints at start. The base has no hosts to reach."""
        return {}

    def close(self) -> None:
        """Release connections; the base holds none."""

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unsupported(self, op: Operation) -> NoReturn:
        raise NotSupported(
            f"the {self.name} driver does not support {op.value}", driver=self.name, operation=op.value
        )

    # --- instances ----------------------------------------------------------------------------

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

    # --- images -------------------------------------------------------------------------------

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

    def staging_dir(self) -> Path | None:
        """Where files uploaded for ``import_image`` are staged (None: the system's temp dir);
        beside the pool, so the copy into it stays on one file system."""
        return None

    # --- realms and hardware profiles ---------------------------------------------------------

    def list_realms(self, caller: Caller) -> list[Realm]:
        self._unsupported(Operation.realms_list)

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        self._unsupported(Operation.realms_get)

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        self._unsupported(Operation.hardware_profiles_list)

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        self._unsupported(Operation.hardware_profiles_get)

    # --- keys ---------------------------------------------------------------------------------

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

    # --- storage volumes and snapshots --------------------------------------------------------

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

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        self._unsupported(Operation.snapshots_list)

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        self._unsupported(Operation.snapshots_get)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        self._unsupported(Operation.snapshots_create)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        self._unsupported(Operation.snapshots_delete)

    # --- networks, subnets, addresses ---------------------------------------------------------

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

    # --- network interfaces of an instance ----------------------------------------------------
    # Changes apply to the running guest and its persistent definition when it is RUNNING, to the
    # definition alone when it is STOPPED; other states are refused with InvalidState.

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

    # --- removable media of an instance (cdrom, floppy) ---------------------------------------
    # Same live/persistent rule as interfaces. A remote medium is a network disk QEMU reads itself.

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

    # --- storage pools (host-level, read-only, visible to every user) -------------------------
    # Where new template disks are made; ``DiskSpec.pool`` takes a pool's id or name.

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        self._unsupported(Operation.pools_list)

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        """By id; NotFound when no pool has it."""
        self._unsupported(Operation.pools_get)


_CAPABILITIES: dict[type[Driver], Capabilities] = {}
_ACTIONS: dict[type[Driver], dict[InstanceState, tuple[Action, ...]]] = {}


def _capabilities(cls: type[Driver]) -> Capabilities:
    """Computed once per class: a class's methods do not change after it is defined."""
    cached = _CAPABILITIES.get(cls)
    if cached is not None:
        return cached
    ops = [op for op, meth in OPERATION_METHODS.items() if getattr(cls, meth) is not getattr(Driver, meth)]
    collections = sorted({op.collection for op in ops if op.verb == "list"})
    caps = Capabilities(
        driver=cls.name, collections=collections, operations=ops, features=sorted(cls.features)
    )
    _CAPABILITIES[cls] = caps
    return caps


def _actions_by_state(cls: type[Driver]) -> dict[InstanceState, tuple[Action, ...]]:
    table = _ACTIONS.get(cls)
    if table is None:
        supported = cls.capabilities().actions
        table = _ACTIONS[cls] = {s: tuple(states.allowed_actions(s, supported)) for s in InstanceState}
    return table
