"""The resource model every driver returns and every frontend serves, defined once.

Responses are frozen models so a driver cannot hand out something a caller mutates behind its
back; requests (``*Create``, ``*Update``) forbid unknown fields so a typo is a 400, not a silently
ignored option. Closed value sets are Enums, never free strings.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from hearth.errors import ValidationError

# The closed sets come from the vocabulary; import them from there, not from here.
from hearth.vocab import topology
from hearth.vocab.device_names import VOLUME_DEVICE_PATTERN
from hearth.vocab.disk_devices import DiskDevice, RemovableType
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.mac import UNICAST_MAC_PATTERN
from hearth.vocab.mac import check_mac as _check_mac
from hearth.vocab.macvtap_modes import DEFAULT_MACVTAP_MODE, MacvtapMode
from hearth.vocab.nic_kinds import SOURCE_OF, InterfaceType
from hearth.vocab.nic_models import NicModel

from . import formats

# Names are shown in listings and used as hostnames and key references: keep them boring.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
SELF_OWNER = "self"  # an owner filter's word for the caller, as Deltacloud and EC2 say it
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
MAX_USER_DATA = 64 * 1024


def _json_integer(value: object) -> object:
    # JSON Schema's integer: 1 and 1.0 are integers, true and "1" are not.
    if isinstance(value, bool | str):
        raise ValueError(f"must be an integer, not {type(value).__name__}")
    return value


# Request integers: no true for 1, no "1" (pydantic's lax int takes both); 1.0 stays an integer.
# Constraints go before it (``Annotated[int, Field(ge=1), JSON_INTEGER] | None``) so that they
# still reach the OpenAPI document inside a union.
JSON_INTEGER = BeforeValidator(_json_integer)
Integer = Annotated[int, JSON_INTEGER]

# What the address checks below accept, declared for OpenAPI (the checks themselves decide).
CidrText = Annotated[str, Field(max_length=64, json_schema_extra={"pattern": formats.CIDR_PATTERN})]
IpText = Annotated[str, Field(max_length=64, json_schema_extra={"pattern": formats.IP_PATTERN})]
MacText = Annotated[str, Field(json_schema_extra={"pattern": UNICAST_MAC_PATTERN})]
# osinfo short-ids: "debian12", "fedora40", "win2k22", "alpine3.19", "rhel9.4".
OS_ID_PATTERN = r"^[a-z][a-z0-9._+-]{0,63}$"


class Action(StrEnum):
    start = "start"
    stop = "stop"
    reboot = "reboot"
    suspend = "suspend"
    resume = "resume"
    destroy = "destroy"


class PropertyKind(StrEnum):
    fixed = "fixed"
    range = "range"
    enum = "enum"


class HwpPropertyName(StrEnum):
    """The dimensions a hardware profile can describe; units are fixed per name (see HWP_UNITS)."""

    memory = "memory"
    cpu = "cpu"
    storage = "storage"
    architecture = "architecture"


class Unit(StrEnum):
    MB = "MB"
    GB = "GB"
    COUNT = "count"
    LABEL = "label"


HWP_UNITS: dict[HwpPropertyName, Unit] = {
    HwpPropertyName.memory: Unit.MB,
    HwpPropertyName.cpu: Unit.COUNT,
    HwpPropertyName.storage: Unit.GB,
    HwpPropertyName.architecture: Unit.LABEL,
}


class Architecture(StrEnum):
    x86_64 = "x86_64"
    aarch64 = "aarch64"
    i686 = "i686"


class RealmState(StrEnum):
    AVAILABLE = "AVAILABLE"
    UNAVAILABLE = "UNAVAILABLE"


class ImageState(StrEnum):
    PENDING = "PENDING"
    AVAILABLE = "AVAILABLE"


class VolumeState(StrEnum):
    AVAILABLE = "AVAILABLE"
    IN_USE = "IN_USE"


class SnapshotState(StrEnum):
    PENDING = "PENDING"
    AVAILABLE = "AVAILABLE"


class KeyKind(StrEnum):
    ssh_ed25519 = "ssh-ed25519"
    ssh_rsa = "ssh-rsa"
    ecdsa_sha2_nistp256 = "ecdsa-sha2-nistp256"
    ecdsa_sha2_nistp384 = "ecdsa-sha2-nistp384"
    ecdsa_sha2_nistp521 = "ecdsa-sha2-nistp521"


class DiskFormat(StrEnum):
    qcow2 = "qcow2"
    raw = "raw"


HwpValue = int | str


# --- responses ------------------------------------------------------------------------------


class Resource(BaseModel):
    """Fields every resource has; ``owner_id`` is ``SYSTEM_OWNER`` for the shared catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="unique id, used in URLs")
    name: str = Field(description="human-readable name, unique per owner")
    owner_id: str = Field(description="id of the user who owns it; 'system' for the shared catalogue")
    created: datetime = Field(description="when it was created (UTC)")


class NetworkBinding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    network: str = Field(description="id of the network")
    subnet: str = Field(description="id of the subnet the address is from")
    ip_address: str = Field(description="the instance's address on that subnet")


class ConsoleOutput(BaseModel):
    """The tail of what an instance's guest wrote to its serial console."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str = Field(description="id of the instance")
    output: str = Field(description="the console text, its last 64 KiB at most (undecodable bytes replaced)")
    timestamp: datetime = Field(description="when the output was read (UTC)")
    truncated: bool = Field(default=False, description="whether earlier output was left out")


class InstanceConsoles(BaseModel):
    """Which consoles an instance has: what a frontend offers (a terminal, a screen) without
    asking for a ticket first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    serial: bool = Field(default=False, description="whether its serial console can be opened now")
    graphics: Literal[GraphicsType.vnc, GraphicsType.spice] | None = Field(
        default=None, description="the display protocol of its screen (null: none)"
    )


class MetricUnit(StrEnum):
    """Units of a metric figure: CloudWatch's names, which Deltacloud's metrics carry."""

    percent = "Percent"
    seconds = "Seconds"
    bytes = "Bytes"
    quantity = "Count"  # "count" would shadow str.count


class MetricName(StrEnum):
    """The figures an instance's metrics name; Deltacloud's names where it has one (its nine
    mock metrics), the same camelCase for the rest. Cumulative since the guest started."""

    cpu_utilization = "cpuUtilization"
    cpu_time = "cpuTime"
    memory_used = "memoryUsed"
    memory_available = "memoryAvailable"
    disk_read_request_count = "diskReadRequestCount"
    disk_write_request_count = "diskWriteRequestCount"
    disk_read_byte = "diskReadByte"
    disk_write_byte = "diskWriteByte"
    disk_read_sector = "diskReadSector"
    disk_write_sector = "diskWriteSector"
    nic_input_byte = "nicInputByte"
    nic_input_packet = "nicInputPacket"
    nic_output_byte = "nicOutputByte"
    nic_output_packet = "nicOutputPacket"


METRIC_UNITS: dict[MetricName, MetricUnit] = {
    MetricName.cpu_utilization: MetricUnit.percent,
    MetricName.cpu_time: MetricUnit.seconds,
    MetricName.memory_used: MetricUnit.bytes,
    MetricName.memory_available: MetricUnit.bytes,
    MetricName.disk_read_request_count: MetricUnit.quantity,
    MetricName.disk_write_request_count: MetricUnit.quantity,
    MetricName.disk_read_byte: MetricUnit.bytes,
    MetricName.disk_write_byte: MetricUnit.bytes,
    MetricName.disk_read_sector: MetricUnit.quantity,
    MetricName.disk_write_sector: MetricUnit.quantity,
    MetricName.nic_input_byte: MetricUnit.bytes,
    MetricName.nic_input_packet: MetricUnit.quantity,
    MetricName.nic_output_byte: MetricUnit.bytes,
    MetricName.nic_output_packet: MetricUnit.quantity,
}
"""Each name's one unit, so no backend can report cpuTime in one unit and another in a second."""

METRICS_STATES = frozenset({InstanceState.RUNNING, InstanceState.PAUSED})
"""States in which a guest process exists to read metrics from."""

SECTOR_BYTES = 512
"""Bytes per sector in diskReadSector/diskWriteSector (the block layer's unit)."""


class Metric(BaseModel):
    """One figure read from a running guest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: MetricName = Field(description="what is measured (Deltacloud's name where it has one)")
    value: float = Field(ge=0, description="the figure, cumulative since the guest started for counters")
    unit: MetricUnit = Field(description="unit of value")
    timestamp: datetime = Field(description="when it was read (UTC)")

    @model_validator(mode="after")
    def _unit_matches_name(self) -> Metric:
        if METRIC_UNITS[self.name] is not self.unit:
            raise ValueError(
                f"metric {self.name.value} is in {METRIC_UNITS[self.name].value}, not {self.unit.value}"
            )
        return self


def metric(name: MetricName, value: float, timestamp: datetime) -> Metric:
    """A figure in its name's unit: how drivers build them."""
    return Metric(name=name, value=value, unit=METRIC_UNITS[name], timestamp=timestamp)


class InstanceMetrics(BaseModel):
    """The figures of one running instance, read at one moment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance_id: str = Field(description="id of the instance")
    timestamp: datetime = Field(description="when the figures were read (UTC)")
    metrics: list[Metric] = Field(description="the figures the backend can read, each name at most once")

    @model_validator(mode="after")
    def _names_unique(self) -> InstanceMetrics:
        names = [m.name for m in self.metrics]
        if len(names) != len(set(names)):
            raise ValueError("each metric name appears at most once")
        return self


class Instance(Resource):
    """A guest. ``image``/``template``/``realm``/``hardware_profile`` hold ids of those resources."""

    state: InstanceState = Field(description="lifecycle state")
    state_reason: str | None = Field(
        default=None, description="why it is in this state (set for ERROR), else null"
    )
    actions: list[Action] = Field(description="actions allowed in the current state")
    image: str | None = Field(
        default=None, description="id of the image it was made from (null when made from a template)"
    )
    template: str | None = Field(
        default=None, description="id of the template it was made from (null when made from an image)"
    )
    realm: str = Field(description="id of the realm (host or region) it runs in")
    hardware_profile: str = Field(description="id of its hardware profile")
    hardware_profile_overrides: dict[HwpPropertyName, HwpValue] = Field(
        default_factory=dict, description="profile properties given a value other than the profile's default"
    )
    key_name: str | None = Field(default=None, description="name of the SSH key put into the guest, if any")
    network_bindings: list[NetworkBinding] = Field(
        default_factory=list, description="networks it is attached to, with subnet and address"
    )
    public_addresses: list[str] = Field(
        default_factory=list, description="addresses reachable from outside the host"
    )
    private_addresses: list[str] = Field(
        default_factory=list, description="addresses on the host's internal networks"
    )
    # What the guest got (from the spec, else the profile); None when the backend does not know.
    memory_mib: int | None = Field(
        default=None, description="memory the guest got, in MiB (null when the backend does not know)"
    )
    vcpus: int | None = Field(
        default=None, description="vCPUs the guest got (null when the backend does not know)"
    )
    consoles: InstanceConsoles = Field(
        default_factory=InstanceConsoles, description="its serial console and screen (/console, /vnc)"
    )


class NetworkInterface(BaseModel):
    """A NIC of an instance, keyed by its MAC within the instance.

    ``source`` is the network id (type network), the bridge (bridge, ovs) or the host device
    (macvtap); None for user mode. ``ips`` are what the host has learned (DHCP leases, ARP).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mac: str = Field(description="MAC address, lower case; identifies the NIC within the instance")
    type: InterfaceType = Field(description="how the NIC reaches the outside")
    source: str | None = Field(
        default=None, description="network id, bridge or host device it is on (null for user mode)"
    )
    mode: MacvtapMode | None = Field(default=None, description="macvtap mode (macvtap NICs only)")
    model: NicModel = Field(description="guest-visible NIC model")
    ips: list[str] = Field(
        default_factory=list, description="addresses the host has seen it use (DHCP leases, ARP)"
    )
    instance_id: str = Field(description="id of the instance it belongs to")


class Image(Resource):
    description: str = Field(default="", description="free text about the image")
    state: ImageState = Field(description="whether it can be used yet")
    os: str | None = Field(default=None, description="osinfo short id of its operating system, e.g. debian12")
    architecture: Architecture = Field(description="CPU architecture it runs on")
    source_instance: str | None = Field(
        default=None, description="id of the instance it was captured from, if any"
    )


class Realm(Resource):
    state: RealmState = Field(description="whether new instances can be placed here")
    limit: int | None = Field(
        default=None, description="most instances it can hold; null when unlimited or unknown"
    )


class PoolType(StrEnum):
    """libvirt's storage pool types; a Hearth-managed directory is ``dir``."""

    dir = "dir"
    fs = "fs"
    netfs = "netfs"
    logical = "logical"
    disk = "disk"
    iscsi = "iscsi"
    iscsi_direct = "iscsi-direct"
    scsi = "scsi"
    mpath = "mpath"
    rbd = "rbd"
    sheepdog = "sheepdog"
    gluster = "gluster"
    zfs = "zfs"
    vstorage = "vstorage"


class PoolState(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    BUILDING = "BUILDING"
    DEGRADED = "DEGRADED"
    INACCESSIBLE = "INACCESSIBLE"


class StoragePool(Resource):
    """Where new disks of a template are made (``DiskSpec.pool`` names one by id or name).

    A host-level resource like a realm: unowned and visible to everyone. The byte figures are
    None when the backend cannot tell (an inactive libvirt pool reports nothing).
    """

    type: PoolType = Field(description="libvirt's storage pool type")
    state: PoolState = Field(description="whether the pool is usable")
    capacity_bytes: int | None = Field(default=None, description="total size in bytes (null when unknown)")
    allocation_bytes: int | None = Field(
        default=None, description="bytes allocated to volumes (null when unknown)"
    )
    available_bytes: int | None = Field(default=None, description="bytes still free (null when unknown)")
    path: str | None = Field(default=None, description="directory or device it lives in, if it has one")
    realm: str = Field(description="id of the realm (host) it belongs to")


class HwpProperty(BaseModel):
    """One dimension of a profile: ``value`` is the fixed value, or the default for range/enum."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PropertyKind = Field(description="fixed value, a range, or a list of choices")
    unit: Unit = Field(description="unit of the values")
    value: HwpValue = Field(description="the value (fixed) or the default (range, enum)")
    first: int | None = Field(default=None, description="lowest value of a range")
    last: int | None = Field(default=None, description="highest value of a range")
    step: int | None = Field(default=None, description="step between the values of a range (null: any)")
    values: list[HwpValue] | None = Field(default=None, description="the choices of an enum")

    @model_validator(mode="after")
    def _shape(self) -> HwpProperty:
        if self.kind is PropertyKind.range:
            if self.first is None or self.last is None or not isinstance(self.value, int):
                raise ValueError("a range property needs integer first, last and value")
            if not self.first <= self.value <= self.last:
                raise ValueError("a range property's default must lie within first..last")
        if self.kind is PropertyKind.enum and (not self.values or self.value not in self.values):
            raise ValueError("an enum property needs values that include its default")
        return self


class HardwareProfile(Resource):
    """An empty ``properties`` dict is an opaque profile: the backend decides everything."""

    properties: dict[HwpPropertyName, HwpProperty] = Field(
        default_factory=dict,
        description="what the profile fixes or offers, per dimension; empty: the backend decides",
    )


class Key(Resource):
    """A public key; the private half is never stored and only shown once (``KeyCreated``)."""

    kind: KeyKind = Field(description="key algorithm")
    fingerprint: str = Field(description="SHA256 fingerprint of the public key")
    public_key: str = Field(description="the public key in OpenSSH format")


class KeyCreated(Key):
    private_key: str = Field(
        description="the private key (OpenSSH format); shown only in this response, never stored"
    )


class Volume(Resource):
    capacity_gb: int = Field(description="size in GB")
    state: VolumeState = Field(description="whether it is attached")
    realm: str = Field(description="id of the realm it lives in")
    instance: str | None = Field(default=None, description="id of the instance it is attached to, if any")
    device: str | None = Field(
        default=None, description="guest device it is attached as (e.g. vdb), if attached"
    )


class Snapshot(Resource):
    volume: str = Field(description="id of the volume it was taken of")
    state: SnapshotState = Field(description="whether it is complete")


class Network(Resource):
    address_blocks: list[str] = Field(description="CIDR blocks its subnets are carved from")


class Subnet(Resource):
    network: str = Field(description="id of the network it belongs to")
    address_block: str = Field(description="its CIDR block, inside one of the network's")


class Address(Resource):
    ip_address: str = Field(description="the reserved IP address")
    instance: str | None = Field(default=None, description="id of the instance using it, if any")


# --- requests -------------------------------------------------------------------------------


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


R = TypeVar("R", bound=Request)
M = TypeVar("M", bound=BaseModel)


class NetworkRequest(Request):
    """Attach the new instance to a network; the driver picks the subnet and address if omitted."""

    network_id: str = Field(description="id of the network to attach to")
    subnet_id: str | None = Field(
        default=None, description="id of the subnet (default: the driver picks one)"
    )
    ip_address: IpText | None = Field(default=None, description="address to use (default: the next free one)")

    @field_validator("ip_address")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        return None if v is None else check_ip(v)


def check_mac(value: str) -> str:
    """The vocabulary's MAC check for a model validator (which reports a ValueError)."""
    try:
        return _check_mac(value)
    except ValidationError as exc:
        raise ValueError(exc.message) from None


def json_present(field: str) -> dict[str, Any]:
    """JSON Schema: ``field`` is there and not null."""
    return {"required": [field], "properties": {field: {"type": "string"}}}


def json_absent(field: str) -> dict[str, Any]:
    """JSON Schema: ``field`` is absent or null."""
    return {"properties": {field: {"type": "null"}}}


def json_is(field: str, value: str) -> dict[str, Any]:
    return {"required": [field], "properties": {field: {"const": value}}}


class InterfaceCreate(Request):
    """A new NIC. ``source`` is needed by every type but ``user``; ``mode`` only for macvtap
    (default bridge). The driver picks a MAC when none is given and the model defaults to virtio."""

    # The rules of ``_shape``, for the OpenAPI document.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": json_is("type", "user"),
                    "then": json_absent("source"),
                    "else": json_present("source"),
                },
                {"if": json_is("type", "macvtap"), "else": json_absent("mode")},
            ]
        }
    )

    type: InterfaceType = Field(description="how the NIC reaches the outside")
    source: Name | None = Field(
        default=None, description="network, bridge, OVS bridge or host device; none for user mode"
    )
    mode: MacvtapMode | None = Field(default=None, description="macvtap mode (macvtap only; default bridge)")
    model: NicModel | None = Field(default=None, description="guest-visible NIC model (default virtio)")
    mac: MacText | None = Field(
        default=None, description="unicast MAC address (default: a random 52:54:00 one)"
    )

    @field_validator("mac")
    @classmethod
    def _mac(cls, v: str | None) -> str | None:
        return None if v is None else check_mac(v)

    @model_validator(mode="after")
    def _shape(self) -> InterfaceCreate:
        if self.mode is not None and self.type is not InterfaceType.macvtap:
            raise ValueError(f"mode applies to macvtap interfaces only, not {self.type.value}")
        if self.type is InterfaceType.user:
            if self.source is not None:
                raise ValueError("a user interface takes no source")
        elif self.source is None:
            raise ValueError(f"a {self.type.value} interface needs a source ({SOURCE_OF[self.type]})")
        return self

    @property
    def effective_mode(self) -> MacvtapMode | None:
        if self.type is InterfaceType.macvtap:
            return self.mode or DEFAULT_MACVTAP_MODE
        return None


class InterfaceUpdate(Request):
    """Move a NIC to another network/bridge, or change its model (the latter only while stopped)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [json_present("source"), json_present("model")]})

    source: Name | None = Field(default=None, description="network, bridge or host device to move the NIC to")
    model: NicModel | None = Field(
        default=None, description="new NIC model (only while the instance is stopped)"
    )

    @model_validator(mode="after")
    def _something(self) -> InterfaceUpdate:
        if self.source is None and self.model is None:
            raise ValueError("give source or model (or both) to change")
        return self


# --- removable media of an instance (sub-collection "disks"; models used by hearth.media) -------


class MediumSource(Request):
    """What goes in a removable drive: a local image file (``path``, absolute) or a URL QEMU reads
    itself through its curl driver (``url``: http, https, ftp, ftps; credentials are refused)."""

    path: str | None = Field(
        None,
        max_length=4096,
        json_schema_extra={"pattern": formats.ABSOLUTE_PATH},
        description="absolute path of a local image file",
    )
    url: str | None = Field(
        None,
        max_length=4096,
        description="http, https, ftp or ftps URL QEMU reads the medium from (no credentials)",
    )
    sslverify: StrictBool = Field(
        default=True, description="check the server's TLS certificate (https, ftps)"
    )
    readahead_bytes: Annotated[int, Field(gt=0, le=1 << 30, multiple_of=512), JSON_INTEGER] | None = Field(
        default=None, description="bytes QEMU reads ahead from the URL (multiple of 512)"
    )
    timeout_seconds: Annotated[int, Field(ge=1, le=3600), JSON_INTEGER] | None = Field(
        default=None, description="seconds QEMU waits for the URL's server"
    )

    @model_validator(mode="after")
    def _one(self) -> MediumSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of path or url")
        if self.path is not None and (not self.path.startswith("/") or "\x00" in self.path):
            raise ValueError("path must be an absolute file path")
        if self.url is not None:
            from hearth.designer.sources import parse_url

            try:
                parse_url(self.url)
            except ValidationError as exc:
                raise ValueError(exc.message) from None
        return self


class DiskCreate(Request):
    """Put a removable drive's medium in: into the first empty drive of this type (live when the
    instance runs, and persistently), or -- while stopped and none is empty -- into a new drive."""

    type: RemovableType = Field(description="kind of removable drive")
    medium: MediumSource | None = Field(default=None, description="what to put in (null: an empty drive)")


class DiskUpdate(Request):
    """Change the medium in place (a live CD change when running); ``medium: null`` ejects."""

    medium: MediumSource | None = Field(description="the new medium; null ejects")


class InstanceDisk(BaseModel):
    """A drive of an instance; ``url`` is the remote medium QEMU reads, ``path`` a local one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dev: str = Field(description="guest device name, e.g. sdb, hdc, fda")
    type: DiskDevice = Field(description="what the drive is: disk, cdrom, floppy or lun")
    bus: str | None = Field(default=None, description="bus it is on (sata, ide, fdc, virtio, ...), if known")
    instance_id: str = Field(description="id of the instance it belongs to")
    path: str | None = Field(default=None, description="local file of the medium, if any")
    url: str | None = Field(
        default=None, description="remote medium QEMU reads, if any (credentials removed)"
    )
    readonly: StrictBool = Field(default=False, description="the guest cannot write to it")


class DiskSpec(Request):
    """A new empty disk of ``size_gib`` in ``pool`` (the driver's default pool when None)."""

    size_gib: Integer = Field(ge=1, le=16 * 1024, description="size of the new disk in GiB")
    format: DiskFormat = Field(default=DiskFormat.qcow2, description="image format of the new disk")
    pool: Name | None = Field(default=None, description="storage pool id or name (default: the driver's)")


class ImageDiskSpec(Request):
    """A disk made from an image (an overlay or a copy, as the driver does it)."""

    image_id: str = Field(description="id of the image the disk is made from")


class GraphicsSpec(Request):
    type: GraphicsType = Field(default=GraphicsType.vnc, description="display protocol, or none")
    listen: IpText = Field(default="127.0.0.1", description="address the display listens on")

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        return check_ip(v)


class Topology(Request):
    """How the guest's vCPUs are laid out; sockets x cores x threads is the maximum vCPU count."""

    sockets: Integer = Field(ge=1, le=topology.MAX_SOCKETS, description="CPU sockets")
    cores: Integer = Field(ge=1, le=topology.MAX_CORES, description="cores per socket")
    threads: Integer = Field(ge=1, le=topology.MAX_THREADS, description="threads per core")

    @property
    def cpus(self) -> int:
        return self.sockets * self.cores * self.threads

    def problem(self, max_vcpus: int) -> str | None:
        """Why this layout does not fit a guest of ``max_vcpus`` (read after "topology"), or None."""
        s = self
        return topology.topology_problem(max_vcpus, sockets=s.sockets, cores=s.cores, threads=s.threads)


class InstanceSpec(Request):
    """A template resolved by the service layer: everything a driver needs to build the guest.

    Drivers that declare ``Feature.templates`` build the VM from this rather than from an image.
    ``networks`` are network ids or names, each giving one NIC of type network; ``interfaces``
    are further NICs. ``cdrom`` is a local path or an http(s)/ftp(s) URL.
    """

    os: Annotated[str, Field(pattern=OS_ID_PATTERN)] = Field(description="osinfo short id, e.g. debian12")
    memory_mib: Integer = Field(ge=16, le=16 * 1024 * 1024, description="memory at boot, in MiB")
    max_memory_mib: Annotated[int, Field(ge=16, le=16 * 1024 * 1024), JSON_INTEGER] | None = Field(
        default=None, description="memory the guest may grow to, in MiB"
    )
    vcpus: Integer = Field(ge=1, le=4096, description="vCPUs at boot")
    max_vcpus: Annotated[int, Field(ge=1, le=4096), JSON_INTEGER] | None = Field(
        default=None, description="vCPUs the guest may grow to"
    )
    topology: Topology | None = Field(
        default=None, description="how the vCPUs are laid out (default: one socket per vCPU)"
    )
    disks: list[DiskSpec | ImageDiskSpec] = Field(
        default_factory=list, max_length=16, description="disks to make, the first is the boot disk"
    )
    cdrom: str | None = Field(
        default=None, max_length=4096, description="ISO to attach: a local path or an http(s)/ftp(s) URL"
    )
    kernel: str | None = Field(default=None, max_length=4096, description="kernel to boot directly")
    initrd: str | None = Field(default=None, max_length=4096, description="initrd for the kernel")
    cmdline: str | None = Field(default=None, max_length=4096, description="kernel command line")
    graphics: GraphicsSpec = Field(default_factory=GraphicsSpec, description="display of the guest")
    networks: list[Name] = Field(
        default_factory=list, max_length=16, description="network ids or names, one NIC of type network each"
    )
    interfaces: list[InterfaceCreate] = Field(default_factory=list, max_length=16, description="further NICs")

    @model_validator(mode="after")
    def _shape(self) -> InstanceSpec:
        if self.max_memory_mib is not None and self.max_memory_mib < self.memory_mib:
            raise ValueError("max_memory_mib must not be below memory_mib")
        if self.max_vcpus is not None and self.max_vcpus < self.vcpus:
            raise ValueError("max_vcpus must not be below vcpus")
        problem = self.topology.problem(self.max_vcpus or self.vcpus) if self.topology else None
        if problem is not None:
            raise ValueError(f"topology {problem}")
        if (self.initrd is not None or self.cmdline is not None) and self.kernel is None:
            raise ValueError("initrd and cmdline need a kernel")
        if self.cmdline is not None and any(c in self.cmdline for c in "\r\n\x00"):
            raise ValueError("cmdline must be a single line")
        macs = [i.mac for i in self.interfaces if i.mac is not None]
        if len(macs) != len(set(macs)):
            raise ValueError("two interfaces have the same MAC address")
        return self


class InstanceCreate(Request):
    """Exactly one of ``image_id`` and ``template_id`` names the source."""

    image_id: str | None = Field(default=None, description="id of the image to make it from")
    template_id: str | None = Field(default=None, description="id of the template to make it from")
    hwp_id: str = Field(description="id of the hardware profile")
    hwp_overrides: dict[HwpPropertyName, Integer | str] = Field(
        default_factory=dict, description="values for the profile's range or enum properties"
    )
    realm_id: str | None = Field(
        default=None, description="id of the realm to run it in (default: the driver picks)"
    )
    name: Name | None = Field(default=None, description="its name (default: generated)")
    key_name: str | None = Field(default=None, description="name of an SSH key to put into the guest")
    user_data: str | None = Field(
        default=None, max_length=MAX_USER_DATA, description="cloud-init user data given to the guest"
    )
    networks: list[NetworkRequest] = Field(
        default_factory=list, max_length=16, description="networks to attach it to"
    )
    # The template resolved by the service layer; only with template_id (feature ``templates``).
    spec: InstanceSpec | None = Field(
        default=None, description="the template resolved by the server; not given by clients"
    )
    # False: define the instance STOPPED without ever running it (feature ``create_stopped``), so
    # an installer or first-boot script cannot touch its disks before the owner starts it.
    start: StrictBool = Field(default=True, description="start it once created (false: leave it STOPPED)")

    @model_validator(mode="after")
    def _one_source(self) -> InstanceCreate:
        if (self.image_id is None) == (self.template_id is None):
            raise ValueError("give exactly one of image_id and template_id")
        if self.spec is not None and self.template_id is None:
            raise ValueError("spec comes with template_id (it is that template, resolved)")
        return self


class InstanceFilter(Request):
    state: InstanceState | None = Field(default=None, description="only instances in this state")
    realm_id: str | None = Field(default=None, description="only instances in this realm")
    owner_id: str | None = Field(default=None, description="only instances of this owner (admins)")


class ImageFilter(Request):
    """What an image listing keeps; the service applies it over the driver's list (a pool's
    images are few, and every backend then filters alike)."""

    owner_id: str | None = Field(
        default=None, max_length=256, description="only images of this owner; ``self`` is the caller"
    )
    architecture: str | None = Field(
        default=None,
        max_length=64,
        description="only images for this CPU architecture (one no image has matches none)",
    )

    def keeps(self, image: Image, caller_id: str) -> bool:
        owner = caller_id if self.owner_id == SELF_OWNER else self.owner_id
        if owner is not None and image.owner_id != owner:
            return False
        return self.architecture is None or image.architecture.value == self.architecture


class ImageCreate(Request):
    """Capture the disk of a stopped instance."""

    instance_id: str = Field(description="id of the stopped instance whose disk is captured")
    name: Name = Field(description="name of the new image")
    description: str = Field(default="", max_length=1024, description="free text about the image")


AbsolutePath = Annotated[str, Field(min_length=2, max_length=4096, pattern=formats.ABSOLUTE_PATH)]


class ImageImport(Request):
    """Add an image from files on the server's host (an admin's act): a disk (any format
    qemu-img reads), a kernel (+ initrd, cmdline) for direct boot, or both. The files are copied
    into the driver's pool; the image is shared with every user."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [json_present("disk"), json_present("kernel")],
            "if": {"anyOf": [json_present("initrd"), json_present("cmdline")]},
            "then": json_present("kernel"),
        }
    )

    name: Name = Field(description="name of the new image")
    os: Annotated[str, Field(pattern=OS_ID_PATTERN, description="osinfo short id, e.g. debian12")]
    disk: AbsolutePath | None = Field(
        default=None, description="absolute path of a disk image on the server's host"
    )
    kernel: AbsolutePath | None = Field(
        default=None, description="absolute path of a kernel on the server's host"
    )
    initrd: AbsolutePath | None = Field(
        default=None, description="absolute path of an initrd on the server's host"
    )
    cmdline: str | None = Field(
        default=None, max_length=4096, pattern=r"^[^\r\n\x00]*$", description="kernel command line"
    )
    description: str = Field(default="", max_length=1024, description="free text about the image")

    @model_validator(mode="after")
    def _parts(self) -> ImageImport:
        if self.disk is None and self.kernel is None:
            raise ValueError("an image needs a disk, a kernel, or both")
        if (self.initrd is not None or self.cmdline is not None) and self.kernel is None:
            raise ValueError("initrd and cmdline need a kernel")
        return self


class KeyCreate(Request):
    name: Name = Field(description="name of the new key")
    kind: Literal[KeyKind.ssh_ed25519, KeyKind.ssh_rsa] = Field(
        default=KeyKind.ssh_ed25519, description="key algorithm"
    )


class KeyImport(Request):
    name: Name = Field(description="name of the key")
    public_key: str = Field(max_length=16 * 1024, description="the public key in OpenSSH format")


class VolumeCreate(Request):
    capacity_gb: Integer = Field(ge=1, le=16 * 1024, description="size in GB")
    name: Name | None = Field(default=None, description="its name (default: generated)")
    realm_id: str | None = Field(
        default=None, description="id of the realm to make it in (default: the driver picks)"
    )
    snapshot_id: str | None = Field(default=None, description="id of a snapshot to fill it from")


class VolumeAttach(Request):
    instance_id: str = Field(description="id of the instance to attach it to")
    device: Annotated[str, Field(pattern=VOLUME_DEVICE_PATTERN)] = Field(
        description="guest device name, e.g. vdb"
    )


class SnapshotCreate(Request):
    volume_id: str = Field(description="id of the volume to snapshot")
    name: Name | None = Field(default=None, description="its name (default: generated)")


_UNIQUE: dict[str, Any] = {"uniqueItems": True}


class NetworkCreate(Request):
    name: Name = Field(description="name of the network")
    address_blocks: list[CidrText] = Field(
        min_length=1,
        max_length=16,
        json_schema_extra={"uniqueItems": True},
        description="CIDR blocks its subnets are carved from; they may not overlap",
    )

    @field_validator("address_blocks")
    @classmethod
    def _blocks(cls, v: list[str]) -> list[str]:
        return check_blocks(v)


class NetworkUpdate(Request):
    name: Name | None = Field(default=None, description="new name")
    address_blocks: list[CidrText] | None = Field(
        default=None,
        min_length=1,
        max_length=16,
        json_schema_extra=_UNIQUE,
        description="new CIDR blocks; they may not overlap",
    )

    @field_validator("address_blocks")
    @classmethod
    def _blocks(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_blocks(v)


class SubnetCreate(Request):
    network_id: str = Field(description="id of the network it belongs to")
    name: Name = Field(description="name of the subnet")
    address_block: CidrText = Field(description="its CIDR block, inside one of the network's")

    @field_validator("address_block")
    @classmethod
    def _block(cls, v: str) -> str:
        return check_cidr(v)


class SubnetUpdate(Request):
    name: Name = Field(description="new name")


class AddressCreate(Request):
    name: Name | None = Field(default=None, description="its name (default: generated)")


# --- address checks shared by requests and drivers --------------------------------------------

_CIDR_SHAPE = re.compile(r"^[0-9A-Fa-f:.]+/[0-9]{1,3}$")


def check_cidr(value: str) -> str:
    """Return the canonical form of a network block; host bits set are an error, not rounded."""
    if not _CIDR_SHAPE.match(value):
        raise ValueError(f"{value!r} is not a CIDR block such as 10.0.0.0/24")
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid CIDR block: {exc}") from None


def check_blocks(values: list[str]) -> list[str]:
    blocks = [check_cidr(v) for v in values]
    nets = [ipaddress.ip_network(b) for b in blocks]
    for i, a in enumerate(nets):
        for b in nets[i + 1 :]:
            if a.version == b.version and a.overlaps(b):
                raise ValueError(f"address blocks {a} and {b} overlap")
    return blocks


def check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address") from None


def parse_request(model: type[R], data: object) -> R:
    """Validate a payload into a request model, turning pydantic's report into one ValidationError.

    Frontends and library callers use this so bad input surfaces as the typed error (400) that
    names the offending field, never as pydantic's exception.
    """
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or model.__name__
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {msg}")
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
        raise ValidationError(f"invalid {model.__name__}: " + "; ".join(problems), fields=fields) from None


def build_trusted(model: type[M], values: dict[str, Any]) -> M:
    """Build a model from values that were validated before they were stored, skipping validation.

    Same result as ``model.model_construct(**values)`` when every field is given (a test holds it
    to that), at a fraction of the cost: listing 10,000 instances spends most of its time here.
    The caller guarantees the values are complete and already of the right types.
    """
    obj = model.__new__(model)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", _field_names(model))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


_FIELD_NAMES: dict[type[BaseModel], set[str]] = {}


def _field_names(model: type[BaseModel]) -> set[str]:
    names = _FIELD_NAMES.get(model)
    if names is None:
        names = _FIELD_NAMES[model] = set(model.model_fields)
    return names
