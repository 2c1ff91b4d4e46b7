"""The contract's vocabulary: collections, operations, optional features, capabilities.

Everything a frontend needs to know about what a backend can do, without importing a backend.
Operation names map to contract method names by one rule (``<verb>_<singular>``,
``list_<plural>``); the same name is the method on ``Driver`` and on the collection's part.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .resources import Action, InstanceCreate, InstanceFilter, VolumeCreate

MAX_INSTANCE_COUNT = 100
DEFAULT_STOP_TIMEOUT = 60.0
CONSOLE_OUTPUT_LIMIT = 64 * 1024
"""Bytes of console output an instance's ``get_console_output`` returns at most (EC2's 64 KiB)."""


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
    # Optional: what the guest wrote to its serial console so far (the last CONSOLE_OUTPUT_LIMIT bytes).
    instances_console_output = "instances.console_output"
    # Optional: the serial console and the screen (VNC) as byte streams (hearth.drivers.consoles).
    instances_serial_console = "instances.serial_console"
    instances_graphics_console = "instances.graphics_console"
    # Optional: figures (cpu, memory, disk, network) read from a RUNNING or PAUSED instance.
    instances_metrics = "instances.metrics"
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


# Operations whose method the rule cannot name (their verb is not a verb).
_METHODS = {
    Operation.instances_console_output: "get_console_output",
    Operation.instances_metrics: "get_instance_metrics",
    Operation.instances_serial_console: "open_serial_console",
    Operation.instances_graphics_console: "open_graphics_console",
}


def method_name(op: Operation) -> str:
    if op in _METHODS:
        return _METHODS[op]
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
    # The backend has no instance names of its own: Hearth keeps the name a request gives as a
    # label (EC2's Name tag), so frontends do not advertise naming as the cloud's (Deltacloud's
    # user_name). A declaration of the class, like everything here.
    names_are_labels: bool = False

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
