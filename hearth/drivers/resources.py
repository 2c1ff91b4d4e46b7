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

from . import formats

# Names are shown in listings and used as hostnames and key references: keep them boring.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
DEVICE_PATTERN = r"^(vd|sd|hd|xvd)[a-z]$"
MAX_USER_DATA = 64 * 1024
MAC_PATTERN = r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$"


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
MacText = Annotated[str, Field(json_schema_extra={"pattern": formats.UNICAST_MAC_PATTERN})]
# osinfo short-ids: "debian12", "fedora40", "win2k22", "alpine3.19", "rhel9.4".
OS_ID_PATTERN = r"^[a-z][a-z0-9._+-]{0,63}$"
DEFAULT_NIC_MODEL = "virtio"


class InstanceState(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    PAUSED = "PAUSED"
    FINISHED = "FINISHED"
    ERROR = "ERROR"


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


class InterfaceType(StrEnum):
    """How a NIC reaches the outside: a (libvirt/Hearth) network, a Linux or OVS bridge, a macvtap
    host device, or QEMU's user-mode stack."""

    network = "network"
    bridge = "bridge"
    ovs = "ovs"
    macvtap = "macvtap"
    user = "user"


class MacvtapMode(StrEnum):
    bridge = "bridge"
    vepa = "vepa"


class NicModel(StrEnum):
    virtio = "virtio"
    e1000e = "e1000e"
    e1000 = "e1000"
    rtl8139 = "rtl8139"


class DiskFormat(StrEnum):
    qcow2 = "qcow2"
    raw = "raw"


class GraphicsType(StrEnum):
    vnc = "vnc"
    spice = "spice"
    none = "none"


HwpValue = int | str


# --- responses ------------------------------------------------------------------------------


class Resource(BaseModel):
    """Fields every resource has; ``owner_id`` is ``SYSTEM_OWNER`` for the shared catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    owner_id: str
    created: datetime


class NetworkBinding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    network: str
    subnet: str
    ip_address: str


class Instance(Resource):
    """A guest. ``image``/``template``/``realm``/``hardware_profile`` hold ids of those resources."""

    state: InstanceState
    state_reason: str | None = None
    actions: list[Action]
    image: str | None = None
    template: str | None = None
    realm: str
    hardware_profile: str
    hardware_profile_overrides: dict[HwpPropertyName, HwpValue] = Field(default_factory=dict)
    key_name: str | None = None
    network_bindings: list[NetworkBinding] = Field(default_factory=list)
    public_addresses: list[str] = Field(default_factory=list)
    private_addresses: list[str] = Field(default_factory=list)
    # What the guest got (from the spec, else the profile); None when the backend does not know.
    memory_mib: int | None = None
    vcpus: int | None = None


class NetworkInterface(BaseModel):
    """A NIC of an instance, keyed by its MAC within the instance.

    ``source`` is the network id (type network), the bridge (bridge, ovs) or the host device
    (macvtap); None for user mode. ``ips`` are what the host has learned (DHCP leases, ARP).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mac: str
    type: InterfaceType
    source: str | None = None
    mode: MacvtapMode | None = None
    model: NicModel
    ips: list[str] = Field(default_factory=list)
    instance_id: str


class Image(Resource):
    description: str = ""
    state: ImageState
    os: str | None = None  # osinfo short-id, e.g. "debian12"
    architecture: Architecture
    source_instance: str | None = None


class Realm(Resource):
    state: RealmState
    limit: int | None = None


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

    type: PoolType
    state: PoolState
    capacity_bytes: int | None = None
    allocation_bytes: int | None = None
    available_bytes: int | None = None
    path: str | None = None
    realm: str


class HwpProperty(BaseModel):
    """One dimension of a profile: ``value`` is the fixed value, or the default for range/enum."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PropertyKind
    unit: Unit
    value: HwpValue
    first: int | None = None
    last: int | None = None
    step: int | None = None
    values: list[HwpValue] | None = None

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

    properties: dict[HwpPropertyName, HwpProperty] = Field(default_factory=dict)


class Key(Resource):
    """A public key; the private half is never stored and only shown once (``KeyCreated``)."""

    kind: KeyKind
    fingerprint: str
    public_key: str


class KeyCreated(Key):
    private_key: str


class Volume(Resource):
    capacity_gb: int
    state: VolumeState
    realm: str
    instance: str | None = None
    device: str | None = None


class Snapshot(Resource):
    volume: str
    state: SnapshotState


class Network(Resource):
    address_blocks: list[str]


class Subnet(Resource):
    network: str
    address_block: str


class Address(Resource):
    ip_address: str
    instance: str | None = None


# --- requests -------------------------------------------------------------------------------


class Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


R = TypeVar("R", bound=Request)
M = TypeVar("M", bound=BaseModel)


class NetworkRequest(Request):
    """Attach the new instance to a network; the driver picks the subnet and address if omitted."""

    network_id: str
    subnet_id: str | None = None
    ip_address: IpText | None = None

    @field_validator("ip_address")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        return None if v is None else check_ip(v)


def check_mac(value: str) -> str:
    """A unicast MAC in colon form, lower-cased (the form listings and URLs use)."""
    if not re.match(MAC_PATTERN, value):
        raise ValueError(f"{value!r} is not a MAC address such as 52:54:00:12:34:56")
    if int(value[:2], 16) & 1:
        raise ValueError(f"{value!r} is a multicast MAC address; a NIC needs a unicast one")
    if value == "00:00:00:00:00:00":
        raise ValueError("00:00:00:00:00:00 is not a usable MAC address")
    return value.lower()


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

    type: InterfaceType
    source: Name | None = None
    mode: MacvtapMode | None = None
    model: NicModel | None = None
    mac: MacText | None = None

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
            what = {
                InterfaceType.network: "a network",
                InterfaceType.bridge: "a bridge",
                InterfaceType.ovs: "an OVS bridge",
                InterfaceType.macvtap: "a host interface",
            }[self.type]
            raise ValueError(f"a {self.type.value} interface needs a source ({what})")
        return self

    @property
    def effective_mode(self) -> MacvtapMode | None:
        if self.type is InterfaceType.macvtap:
            return self.mode or MacvtapMode.bridge
        return None


class InterfaceUpdate(Request):
    """Move a NIC to another network/bridge, or change its model (the latter only while stopped)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [json_present("source"), json_present("model")]})

    source: Name | None = None
    model: NicModel | None = None

    @model_validator(mode="after")
    def _something(self) -> InterfaceUpdate:
        if self.source is None and self.model is None:
            raise ValueError("give source or model (or both) to change")
        return self


# --- removable media of an instance (sub-collection "disks"; models used by hearth.media) -------

DISK_DEV_PATTERN = r"^((vd|sd|hd|xvd)[a-z]{1,2}|fd[a-z])$"


class RemovableType(StrEnum):
    cdrom = "cdrom"
    floppy = "floppy"


class MediumSource(Request):
    """What goes in a removable drive: a local image file (``path``, absolute) or a URL QEMU reads
    itself through its curl driver (``url``: http, https, ftp, ftps; credentials are refused)."""

    path: str | None = Field(None, max_length=4096, json_schema_extra={"pattern": formats.ABSOLUTE_PATH})
    url: str | None = Field(None, max_length=4096)
    sslverify: StrictBool = True
    readahead_bytes: Annotated[int, Field(gt=0, le=1 << 30, multiple_of=512), JSON_INTEGER] | None = None
    timeout_seconds: Annotated[int, Field(ge=1, le=3600), JSON_INTEGER] | None = None

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

    type: RemovableType
    medium: MediumSource | None = None


class DiskUpdate(Request):
    """Change the medium in place (a live CD change when running); ``medium: null`` ejects."""

    medium: MediumSource | None


class InstanceDisk(BaseModel):
    """A drive of an instance; ``url`` is the remote medium QEMU reads, ``path`` a local one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dev: str
    type: str  # disk, cdrom, floppy, lun
    bus: str | None = None
    instance_id: str
    path: str | None = None
    url: str | None = None
    readonly: StrictBool = False


class DiskSpec(Request):
    """A new empty disk of ``size_gib`` in ``pool`` (the driver's default pool when None)."""

    size_gib: Integer = Field(ge=1, le=16 * 1024)
    format: DiskFormat = DiskFormat.qcow2
    pool: Name | None = None


class ImageDiskSpec(Request):
    """A disk made from an image (an overlay or a copy, as the driver does it)."""

    image_id: str


class GraphicsSpec(Request):
    type: GraphicsType = GraphicsType.vnc
    listen: IpText = "127.0.0.1"

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        return check_ip(v)


class Topology(Request):
    """How the guest's vCPUs are laid out; sockets x cores x threads is the maximum vCPU count."""

    sockets: Integer = Field(ge=1, le=4096)
    cores: Integer = Field(ge=1, le=4096)
    threads: Integer = Field(ge=1, le=64)

    @property
    def cpus(self) -> int:
        return self.sockets * self.cores * self.threads


class InstanceSpec(Request):
    """A template resolved by the service layer: everything a driver needs to build the guest.

    Drivers that declare ``Feature.templates`` build the VM from this rather than from an image.
    ``networks`` are network ids or names, each giving one NIC of type network; ``interfaces``
    are further NICs. ``cdrom`` is a local path or an http(s)/ftp(s) URL.
    """

    os: Annotated[str, Field(pattern=OS_ID_PATTERN)]
    memory_mib: Integer = Field(ge=16, le=16 * 1024 * 1024)
    max_memory_mib: Annotated[int, Field(ge=16, le=16 * 1024 * 1024), JSON_INTEGER] | None = None
    vcpus: Integer = Field(ge=1, le=4096)
    max_vcpus: Annotated[int, Field(ge=1, le=4096), JSON_INTEGER] | None = None
    topology: Topology | None = None
    disks: list[DiskSpec | ImageDiskSpec] = Field(default_factory=list, max_length=16)
    cdrom: str | None = Field(default=None, max_length=4096)
    kernel: str | None = Field(default=None, max_length=4096)
    initrd: str | None = Field(default=None, max_length=4096)
    cmdline: str | None = Field(default=None, max_length=4096)
    graphics: GraphicsSpec = Field(default_factory=GraphicsSpec)
    networks: list[Name] = Field(default_factory=list, max_length=16)
    interfaces: list[InterfaceCreate] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _shape(self) -> InstanceSpec:
        if self.max_memory_mib is not None and self.max_memory_mib < self.memory_mib:
            raise ValueError("max_memory_mib must not be below memory_mib")
        if self.max_vcpus is not None and self.max_vcpus < self.vcpus:
            raise ValueError("max_vcpus must not be below vcpus")
        top = self.max_vcpus or self.vcpus
        if self.topology is not None and self.topology.cpus != top:
            raise ValueError(
                f"topology gives {self.topology.cpus} vCPUs (sockets x cores x threads) "
                f"but the maximum is {top}"
            )
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

    image_id: str | None = None
    template_id: str | None = None
    hwp_id: str
    hwp_overrides: dict[HwpPropertyName, Integer | str] = Field(default_factory=dict)
    realm_id: str | None = None
    name: Name | None = None
    key_name: str | None = None
    user_data: str | None = Field(default=None, max_length=MAX_USER_DATA)
    networks: list[NetworkRequest] = Field(default_factory=list, max_length=16)
    # The template resolved by the service layer; only with template_id (feature ``templates``).
    spec: InstanceSpec | None = None
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
    state: InstanceState | None = None
    realm_id: str | None = None
    owner_id: str | None = None


class ImageCreate(Request):
    """Capture the disk of a stopped instance."""

    instance_id: str
    name: Name
    description: str = Field(default="", max_length=1024)


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

    name: Name
    os: Annotated[str, Field(pattern=OS_ID_PATTERN, description="osinfo short id, e.g. debian12")]
    disk: AbsolutePath | None = None
    kernel: AbsolutePath | None = None
    initrd: AbsolutePath | None = None
    cmdline: str | None = Field(default=None, max_length=4096, pattern=r"^[^\r\n\x00]*$")
    description: str = Field(default="", max_length=1024)

    @model_validator(mode="after")
    def _parts(self) -> ImageImport:
        if self.disk is None and self.kernel is None:
            raise ValueError("an image needs a disk, a kernel, or both")
        if (self.initrd is not None or self.cmdline is not None) and self.kernel is None:
            raise ValueError("initrd and cmdline need a kernel")
        return self


class KeyCreate(Request):
    name: Name
    kind: Literal[KeyKind.ssh_ed25519, KeyKind.ssh_rsa] = KeyKind.ssh_ed25519


class KeyImport(Request):
    name: Name
    public_key: str = Field(max_length=16 * 1024)


class VolumeCreate(Request):
    capacity_gb: Integer = Field(ge=1, le=16 * 1024)
    name: Name | None = None
    realm_id: str | None = None
    snapshot_id: str | None = None


class VolumeAttach(Request):
    instance_id: str
    device: Annotated[str, Field(pattern=DEVICE_PATTERN)]


class SnapshotCreate(Request):
    volume_id: str
    name: Name | None = None


_UNIQUE: dict[str, Any] = {"uniqueItems": True}


class NetworkCreate(Request):
    name: Name
    address_blocks: list[CidrText] = Field(
        min_length=1, max_length=16, json_schema_extra={"uniqueItems": True}
    )

    @field_validator("address_blocks")
    @classmethod
    def _blocks(cls, v: list[str]) -> list[str]:
        return check_blocks(v)


class NetworkUpdate(Request):
    name: Name | None = None
    address_blocks: list[CidrText] | None = Field(
        default=None, min_length=1, max_length=16, json_schema_extra=_UNIQUE
    )

    @field_validator("address_blocks")
    @classmethod
    def _blocks(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else check_blocks(v)


class SubnetCreate(Request):
    network_id: str
    name: Name
    address_block: CidrText

    @field_validator("address_block")
    @classmethod
    def _block(cls, v: str) -> str:
        return check_cidr(v)


class SubnetUpdate(Request):
    name: Name


class AddressCreate(Request):
    name: Name | None = None


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
