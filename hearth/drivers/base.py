"""The driver contract: one facade class over a backend's per-collection parts.

A backend is a thin ``Driver`` subclass naming its ``parts`` (see ``hearth.drivers.parts``) and
its ``features``; every contract method here delegates to the part of its collection, and a
collection without a part raises ``NotSupported`` (HTTP 501) naming the driver and operation.
``capabilities()`` is computed from what the parts override plus the declared ``features``, so
the advertised surface can never drift from the code; ``__init_subclass__`` refuses a driver
whose features name operations it lacks. Every operation takes the ``Caller`` first; drivers
enforce ownership with ``hearth.drivers.caller``.

Operations return when the action has been initiated: the returned instance may be in a
transitional state (PENDING, STOPPING); callers poll ``get_instance`` (see ``wait_for_state``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from hearth.errors import NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState

from . import states
from .caller import Caller
from .consoles import ConsoleStream
from .events import EventSink
from .operations import (
    ACTION_OPERATIONS,
    DEFAULT_STOP_TIMEOUT,
    MAX_INSTANCE_COUNT,
    OPERATION_METHODS,
    Capabilities,
    Collection,
    Feature,
    Operation,
    features_used,
)
from .parts import (
    PART_BASES,
    AddressesPart,
    DisksPart,
    HardwareProfilesPart,
    ImagesPart,
    InstancesPart,
    InterfacesPart,
    KeysPart,
    NetworksPart,
    Part,
    PoolsPart,
    RealmsPart,
    SnapshotsPart,
    SubnetsPart,
    VolumesPart,
)
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

__all__ = [
    "ACTION_OPERATIONS",
    "DEFAULT_STOP_TIMEOUT",
    "MAX_INSTANCE_COUNT",
    "OPERATION_METHODS",
    "Capabilities",
    "Collection",
    "Driver",
    "Feature",
    "Operation",
    "features_used",
]

P = TypeVar("P", bound=Part)

# What each optional feature is a feature of: declaring one without these is refused at import.
_FEATURE_NEEDS: dict[Feature, frozenset[Operation]] = {
    Feature.user_data: frozenset({Operation.instances_create}),
    Feature.authentication_key: frozenset({Operation.instances_create, Operation.keys_get}),
    Feature.volume_name: frozenset({Operation.volumes_create}),
    Feature.instance_count: frozenset({Operation.instances_create}),
    Feature.realm_filter: frozenset({Operation.instances_list}),
    Feature.hardware_profile_overrides: frozenset(
        {Operation.instances_create, Operation.hardware_profiles_get}
    ),
    Feature.templates: frozenset({Operation.instances_create}),
    Feature.create_stopped: frozenset({Operation.instances_create, Operation.instances_start}),
}


class Driver:
    """Base of every backend: declare ``name``, ``features`` and ``parts``; build the backend's
    context and pass it to ``super().__init__``. Contract methods are not overridden here (that
    is refused at import): a backend implements them in its parts."""

    name: ClassVar[str] = "base"
    features: ClassVar[frozenset[Feature]] = frozenset()
    parts: ClassVar[Mapping[Collection, type[Part]]] = {}
    """The part serving each collection this backend has; collections left out are NotSupported."""
    names_are_labels: ClassVar[bool] = False
    """True where the backend names no instance itself and Hearth keeps the name as a label."""
    # Not a ClassVar: a driver may decide per instance (the mock does, from its store's journal mode).
    inline_operations: frozenset[Operation] = frozenset()
    """Operations this driver answers without blocking (no backend call, no waiting on a lock),
    so they are safe to call on the event loop; the API skips the worker thread for them."""
    store_operations: frozenset[Operation] = frozenset()
    """Operations answered from Hearth's own store alone, never waiting on a backend: the API runs
    them on threads calls to a host cannot take, so a host that hangs does not hold them up."""

    def __init__(self, context: Any = None) -> None:
        self.context = context
        self._parts: dict[Collection, Part] = {
            collection: self.parts.get(collection, base)(context, type(self))
            for collection, base in PART_BASES.items()
        }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _check_driver_class(cls)
        if cls.parts:
            cls.store_operations = frozenset(
                op for part in cls.parts.values() for op in part.store_operations & part.operations
            )

    def _part(self, kind: type[P]) -> P:
        part = self._parts[kind.collection]
        assert isinstance(part, kind)
        return part

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
        self._part(InstancesPart).require_features(request)

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

    @classmethod
    def check_instance_count(cls, count: int) -> None:
        """The one rule for how many instances a request may make: 1 to MAX_INSTANCE_COUNT, and
        more than one only where the driver declares ``instance_count``."""
        if not 1 <= count <= MAX_INSTANCE_COUNT:
            raise ValidationError(f"count must be between 1 and {MAX_INSTANCE_COUNT}", count=count)
        if count > 1 and Feature.instance_count not in cls.features:
            raise NotSupported(f"the {cls.name} driver does not support instance_count", driver=cls.name)

    def create_instances(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        """Create ``count`` instances from one request (feature ``instance_count`` when > 1)."""
        self.check_instance_count(count)
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

    @classmethod
    def watches_events(cls) -> bool:
        """Whether this backend pushes its changes (``watch``): derived from the override, so
        it cannot drift; the event stream says when a backend does not."""
        return cls.watch is not Driver.watch

    def watch(self, sink: EventSink) -> None:
        """Call ``sink`` with a ``DriverEvent`` for every change the backend sees from now on
        (from any thread, until ``close``). A backend that cannot tell raises NotSupported."""
        raise NotSupported(f"the {self.name} driver does not report events", driver=self.name)

    def close(self) -> None:
        """Release connections; the base holds none."""

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def staging_dir(self) -> Path | None:
        """Where files uploaded for ``import_image`` are staged (None: the system's temp dir);
        beside the pool, so the copy into it stays on one file system."""
        return None

    # --- the contract: each method delegates to its collection's part -------------------------

    # --- instances ---

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        return self._part(InstancesPart).list_instances(caller, filters)

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).get_instance(caller, instance_id)

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        return self._part(InstancesPart).create_instance(caller, request)

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).start_instance(caller, instance_id)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        return self._part(InstancesPart).stop_instance(caller, instance_id, timeout=timeout, force=force)

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).reboot_instance(caller, instance_id)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).suspend_instance(caller, instance_id)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).resume_instance(caller, instance_id)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._part(InstancesPart).destroy_instance(caller, instance_id)

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        return self._part(InstancesPart).get_console_output(caller, instance_id)

    def get_instance_metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        return self._part(InstancesPart).get_instance_metrics(caller, instance_id)

    def open_serial_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        return self._part(InstancesPart).open_serial_console(caller, instance_id)

    def open_graphics_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        return self._part(InstancesPart).open_graphics_console(caller, instance_id)

    def list_images(self, caller: Caller) -> list[Image]:
        return self._part(ImagesPart).list_images(caller)

    def get_image(self, caller: Caller, image_id: str) -> Image:
        return self._part(ImagesPart).get_image(caller, image_id)

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        return self._part(ImagesPart).create_image(caller, request)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        self._part(ImagesPart).delete_image(caller, image_id)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        return self._part(ImagesPart).import_image(caller, request)

    def list_realms(self, caller: Caller) -> list[Realm]:
        return self._part(RealmsPart).list_realms(caller)

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return self._part(RealmsPart).get_realm(caller, realm_id)

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return self._part(HardwareProfilesPart).list_hardware_profiles(caller)

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return self._part(HardwareProfilesPart).get_hardware_profile(caller, hwp_id)

    def list_keys(self, caller: Caller) -> list[Key]:
        return self._part(KeysPart).list_keys(caller)

    def get_key(self, caller: Caller, key_id: str) -> Key:
        return self._part(KeysPart).get_key(caller, key_id)

    def create_key(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        return self._part(KeysPart).create_key(caller, request)

    def import_key(self, caller: Caller, request: KeyImport) -> Key:
        return self._part(KeysPart).import_key(caller, request)

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self._part(KeysPart).delete_key(caller, key_id)

    def list_volumes(self, caller: Caller) -> list[Volume]:
        return self._part(VolumesPart).list_volumes(caller)

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        return self._part(VolumesPart).get_volume(caller, volume_id)

    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        return self._part(VolumesPart).create_volume(caller, request)

    def delete_volume(self, caller: Caller, volume_id: str) -> None:
        self._part(VolumesPart).delete_volume(caller, volume_id)

    def attach_volume(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        return self._part(VolumesPart).attach_volume(caller, volume_id, request)

    def detach_volume(self, caller: Caller, volume_id: str) -> Volume:
        return self._part(VolumesPart).detach_volume(caller, volume_id)

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        return self._part(SnapshotsPart).list_snapshots(caller)

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        return self._part(SnapshotsPart).get_snapshot(caller, snapshot_id)

    def create_snapshot(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        return self._part(SnapshotsPart).create_snapshot(caller, request)

    def delete_snapshot(self, caller: Caller, snapshot_id: str) -> None:
        self._part(SnapshotsPart).delete_snapshot(caller, snapshot_id)

    def list_networks(self, caller: Caller) -> list[Network]:
        return self._part(NetworksPart).list_networks(caller)

    def get_network(self, caller: Caller, network_id: str) -> Network:
        return self._part(NetworksPart).get_network(caller, network_id)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        return self._part(NetworksPart).create_network(caller, request)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        return self._part(NetworksPart).update_network(caller, network_id, request)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        self._part(NetworksPart).delete_network(caller, network_id)

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        return self._part(SubnetsPart).list_subnets(caller, network_id)

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        return self._part(SubnetsPart).get_subnet(caller, subnet_id)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        return self._part(SubnetsPart).create_subnet(caller, request)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        return self._part(SubnetsPart).update_subnet(caller, subnet_id, request)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        self._part(SubnetsPart).delete_subnet(caller, subnet_id)

    def list_addresses(self, caller: Caller) -> list[Address]:
        return self._part(AddressesPart).list_addresses(caller)

    def get_address(self, caller: Caller, address_id: str) -> Address:
        return self._part(AddressesPart).get_address(caller, address_id)

    def create_address(self, caller: Caller, request: AddressCreate) -> Address:
        return self._part(AddressesPart).create_address(caller, request)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        self._part(AddressesPart).delete_address(caller, address_id)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        return self._part(AddressesPart).associate_address(caller, address_id, instance_id)

    def disassociate_address(self, caller: Caller, address_id: str) -> Address:
        return self._part(AddressesPart).disassociate_address(caller, address_id)

    def list_interfaces(self, caller: Caller, instance_id: str) -> list[NetworkInterface]:
        return self._part(InterfacesPart).list_interfaces(caller, instance_id)

    def get_interface(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        return self._part(InterfacesPart).get_interface(caller, instance_id, mac)

    def create_interface(
        self, caller: Caller, instance_id: str, request: InterfaceCreate
    ) -> NetworkInterface:
        return self._part(InterfacesPart).create_interface(caller, instance_id, request)

    def update_interface(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        return self._part(InterfacesPart).update_interface(caller, instance_id, mac, request)

    def delete_interface(self, caller: Caller, instance_id: str, mac: str) -> None:
        self._part(InterfacesPart).delete_interface(caller, instance_id, mac)

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        return self._part(DisksPart).list_disks(caller, instance_id)

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        return self._part(DisksPart).get_disk(caller, instance_id, dev)

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        return self._part(DisksPart).create_disk(caller, instance_id, request)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        return self._part(DisksPart).update_disk(caller, instance_id, dev, request)

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        return self._part(PoolsPart).list_pools(caller)

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        return self._part(PoolsPart).get_pool(caller, pool_id)


_CAPABILITIES: dict[type[Driver], Capabilities] = {}
_ACTIONS: dict[type[Driver], dict[InstanceState, tuple[Action, ...]]] = {}


def _check_driver_class(cls: type[Driver]) -> None:
    """Refuse, at import, a driver class that is inconsistent: a contract method overridden on
    the facade (it belongs in a part), a part under the wrong collection, or a feature declared
    without the operations it is a feature of."""
    for op, meth in OPERATION_METHODS.items():
        if meth in vars(cls):
            raise TypeError(
                f"{cls.__qualname__} overrides {meth}: implement it in the "
                f"{op.collection.value} part ({PART_BASES[op.collection].__name__}), not on the driver"
            )
    for collection, part in cls.parts.items():
        if not issubclass(part, PART_BASES[collection]):
            raise TypeError(
                f"{cls.__qualname__}.parts[{collection.value}] is {part.__qualname__}, "
                f"not a {PART_BASES[collection].__name__}"
            )
    served = _served(cls)
    for feature in cls.features:
        lacking = sorted(_FEATURE_NEEDS[feature] - served)
        if lacking:
            raise TypeError(
                f"{cls.__qualname__} declares feature {feature.value} but lacks "
                f"{', '.join(op.value for op in lacking)}"
            )


def _served(cls: type[Driver]) -> set[Operation]:
    return {op for part in cls.parts.values() for op in part.operations}


def _capabilities(cls: type[Driver]) -> Capabilities:
    """Computed once per class: a class's parts do not change after it is defined."""
    cached = _CAPABILITIES.get(cls)
    if cached is not None:
        return cached
    served = _served(cls)
    ops = [op for op in OPERATION_METHODS if op in served]
    collections = sorted({op.collection for op in ops if op.verb == "list"})
    caps = Capabilities(
        driver=cls.name,
        collections=collections,
        operations=ops,
        features=sorted(cls.features),
        names_are_labels=cls.names_are_labels,
    )
    _CAPABILITIES[cls] = caps
    return caps


def _actions_by_state(cls: type[Driver]) -> dict[InstanceState, tuple[Action, ...]]:
    table = _ACTIONS.get(cls)
    if table is None:
        supported = cls.capabilities().actions
        table = _ACTIONS[cls] = {s: tuple(states.allowed_actions(s, supported)) for s in InstanceState}
    return table
