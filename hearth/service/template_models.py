"""The template resource: what a user sends (``TemplateCreate``/``TemplateUpdate``), what is
stored (``TemplateDefinition``, every default filled in) and what is shown (``Template``).

Kimchi's templates, improved: direct interfaces (macvtap, OVS, Linux bridge) on every
architecture, closed value sets everywhere, and an ``invalid`` report of the parts this host
cannot satisfy right now instead of a template that fails only when it is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from hearth.designer.sources import is_url, parse_url
from hearth.drivers import formats
from hearth.drivers.resources import (
    JSON_INTEGER,
    OS_ID_PATTERN,
    DiskFormat,
    GraphicsSpec,
    Integer,
    Name,
    Request,
    Topology,
    json_absent,
    json_is,
    json_present,
)
from hearth.drivers.subsets import OnlyMembers
from hearth.errors import HearthError
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import HOST_DEVICE_KINDS, InterfaceType

OsId = Annotated[str, Field(pattern=OS_ID_PATTERN, description="osinfo short-id, e.g. debian11")]
MAX_MIB = 16 * 1024 * 1024
MAX_PATH = 4096


# The NIC kinds on a host device; OpenAPI shows them under this name, as before.
TemplateInterfaceType = Annotated[
    InterfaceType,
    OnlyMembers(
        HOST_DEVICE_KINDS,
        name="TemplateInterfaceType",
        description="Direct host attachments; libvirt networks go in ``networks``.",
    ),
]


def _shorthand(data: Any, what: str, shape: str) -> Any:
    """``2048`` for ``{"current": 2048}``: a plain whole number is the ``current`` amount; any
    other non-object is refused with the shapes that are accepted."""
    if isinstance(data, int) and not isinstance(data, bool):
        return {"current": data}
    if isinstance(data, dict | BaseModel):
        return data
    raise ValueError(f'{what} must be a whole number ({shape}) or an object {{"current": …, "max": …}}')


class TemplateMemory(Request):
    """MiB: ``{"current": 2048, "max": 4096}``, or just ``2048`` for ``{"current": 2048}``."""

    @model_validator(mode="before")
    @classmethod
    def _plain_number(cls, data: Any) -> Any:
        return _shorthand(data, "memory", "MiB, e.g. 2048")

    current: Integer = Field(ge=16, le=MAX_MIB, description="MiB at boot")
    max: Annotated[int, Field(ge=16, le=MAX_MIB), JSON_INTEGER] | None = Field(
        default=None, description="MiB the guest may grow to"
    )

    @model_validator(mode="after")
    def _order(self) -> TemplateMemory:
        if self.max is not None and self.max < self.current:
            raise ValueError("memory.max must not be below memory.current")
        return self


class TemplateVcpus(Request):
    """``{"current": 2, "max": 4, "topology": …}``, or just ``2`` for ``{"current": 2}``."""

    @model_validator(mode="before")
    @classmethod
    def _plain_number(cls, data: Any) -> Any:
        return _shorthand(data, "vcpus", "e.g. 2")

    current: Integer = Field(ge=1, le=4096)
    max: Annotated[int, Field(ge=1, le=4096), JSON_INTEGER] | None = None
    topology: Topology | None = None

    @model_validator(mode="after")
    def _order(self) -> TemplateVcpus:
        top = self.max if self.max is not None else self.current
        if top < self.current:
            raise ValueError("vcpus.max must not be below vcpus.current")
        problem = self.topology.problem(top) if self.topology is not None else None
        if problem is not None:
            raise ValueError(f"vcpus.topology {problem}")
        return self


class NewDisk(Request):
    """An empty disk made when an instance is created from the template."""

    size: Integer = Field(ge=1, le=16 * 1024, description="GiB")
    format: DiskFormat = DiskFormat.qcow2
    pool: Name | None = Field(default=None, description="storage pool (default: the site's or driver's)")


class BaseImageDisk(Request):
    """A disk made from an image (an overlay or copy, as the driver does it)."""

    base: str = Field(min_length=1, max_length=255, description="image id")


TemplateDisk = NewDisk | BaseImageDisk


class TemplateInterface(Request):
    """A NIC attached straight to the host: ``source`` is the host device (macvtap) or bridge."""

    model_config = ConfigDict(
        json_schema_extra={"if": json_is("type", "macvtap"), "else": json_absent("mode")}
    )

    type: TemplateInterfaceType
    source: Name
    # macvtap only (default bridge); checked by the service so that misuse is a 400 naming it
    mode: MacvtapMode | None = Field(default=None, description="macvtap only; default bridge")


def check_location(value: str, what: str) -> str:
    """An absolute local path, or (cdrom only) an http/https/ftp/ftps URL without credentials."""
    if any(c in value for c in "\x00\r\n"):
        raise ValueError(f"{what} contains control characters")
    if what == "cdrom" and is_url(value):
        try:
            parse_url(value)
        except HearthError as exc:
            raise ValueError(exc.message) from None
        return value
    if not value.startswith("/"):
        hint = " or an http/https/ftp/ftps URL" if what == "cdrom" else ""
        raise ValueError(f"{what} must be an absolute path{hint}")
    return value


# What check_location accepts, for the OpenAPI document.
_FILE: dict[str, Any] = {"pattern": f"^{formats.LOCAL_FILE}$"}
_CDROM: dict[str, Any] = {"pattern": f"^({formats.LOCAL_FILE}|{formats.MEDIA_URL})$"}
_LINE: dict[str, Any] = {"pattern": formats.LINE}


class _Boot(Request):
    """Checks shared by everything that carries cdrom/kernel/initrd/cmdline."""

    cdrom: str | None = Field(
        default=None, max_length=MAX_PATH, description="ISO path or URL", json_schema_extra=_CDROM
    )
    kernel: str | None = Field(default=None, max_length=MAX_PATH, json_schema_extra=_FILE)
    initrd: str | None = Field(default=None, max_length=MAX_PATH, json_schema_extra=_FILE)
    cmdline: str | None = Field(default=None, max_length=MAX_PATH, json_schema_extra=_LINE)

    @field_validator("cdrom", "kernel", "initrd")
    @classmethod
    def _paths(cls, v: str | None, info: object) -> str | None:
        name = getattr(info, "field_name", "path")
        return None if v is None else check_location(v, name)

    @field_validator("cmdline")
    @classmethod
    def _cmdline(cls, v: str | None) -> str | None:
        if v is not None and any(c in v for c in "\r\n\x00"):
            raise ValueError("cmdline must be a single line")
        return v

    def _check_kernel(self) -> None:
        if (self.initrd is not None or self.cmdline is not None) and self.kernel is None:
            raise ValueError("initrd and cmdline need a kernel")


# _check_kernel's rule, for the OpenAPI document.
_KERNEL_RULE: dict[str, Any] = {
    "if": {"anyOf": [json_present("initrd"), json_present("cmdline")]},
    "then": json_present("kernel"),
}


class TemplateDefinition(_Boot):
    """A template with every default resolved: what the store keeps and instances are made from."""

    model_config = ConfigDict(json_schema_extra=_KERNEL_RULE)

    os: OsId
    memory: TemplateMemory
    vcpus: TemplateVcpus
    disks: list[TemplateDisk] = Field(default_factory=list, max_length=16)
    graphics: GraphicsSpec = Field(default_factory=GraphicsSpec)
    networks: list[Name] = Field(default_factory=list, max_length=16)
    interfaces: list[TemplateInterface] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _shape(self) -> TemplateDefinition:
        self._check_kernel()
        seen: set[str] = set()
        for net in self.networks:
            if net in seen:
                raise ValueError(f"network {net!r} is listed twice")
            seen.add(net)
        return self


class TemplateCreate(_Boot):
    """Omitted parts come from the site defaults (template.conf), then from osinfo."""

    model_config = ConfigDict(json_schema_extra=_KERNEL_RULE)

    name: Name
    os: OsId
    memory: TemplateMemory | None = None
    vcpus: TemplateVcpus | None = None
    disks: list[TemplateDisk] | None = Field(default=None, max_length=16)
    graphics: GraphicsSpec | None = None
    networks: list[Name] | None = Field(
        default=None, max_length=16, description="libvirt networks (default: the site's; none on s390x)"
    )
    interfaces: list[TemplateInterface] = Field(default_factory=list, max_length=16)

    @model_validator(mode="after")
    def _shape(self) -> TemplateCreate:
        self._check_kernel()
        return self


class TemplateUpdate(_Boot):
    """Only the fields given change; ``null`` clears cdrom, kernel, initrd or cmdline (the
    document shows the others as never null, and an empty body as refused)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    name: Name | SkipJsonSchema[None] = None
    os: OsId | SkipJsonSchema[None] = None
    memory: TemplateMemory | SkipJsonSchema[None] = None
    vcpus: TemplateVcpus | SkipJsonSchema[None] = None
    disks: Annotated[list[TemplateDisk], Field(max_length=16)] | SkipJsonSchema[None] = None
    graphics: GraphicsSpec | SkipJsonSchema[None] = None
    networks: Annotated[list[Name], Field(max_length=16)] | SkipJsonSchema[None] = None
    interfaces: Annotated[list[TemplateInterface], Field(max_length=16)] | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _something(self) -> TemplateUpdate:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        clearable = {"cdrom", "kernel", "initrd", "cmdline"}
        nulled = sorted(f for f in self.model_fields_set - clearable if getattr(self, f) is None)
        if nulled:
            raise ValueError(f"{nulled[0]} cannot be null (only cdrom, kernel, initrd and cmdline can)")
        return self


class TemplateClone(Request):
    name: Name | None = Field(default=None, description="default: <name>-clone<N>")


class TemplateInvalid(BaseModel):
    """What this host cannot provide now; every list empty means the template is usable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    networks: list[str] = Field(default_factory=list, description="libvirt networks that do not exist")
    interfaces: list[str] = Field(
        default_factory=list, description="macvtap devices, bridges or OVS bridges that do not exist"
    )
    cdrom: list[str] = Field(default_factory=list, description="an ISO that is not there")
    pools: list[str] = Field(default_factory=list, description="storage pools that do not exist")
    images: list[str] = Field(default_factory=list, description="base images that do not exist")
    files: list[str] = Field(default_factory=list, description="kernel or initrd files that are not there")

    @property
    def empty(self) -> bool:
        return not any((self.networks, self.interfaces, self.cdrom, self.pools, self.images, self.files))


class Template(TemplateDefinition):
    id: str
    name: str
    owner_id: str
    created: datetime
    updated: datetime
    invalid: TemplateInvalid
