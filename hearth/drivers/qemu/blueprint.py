"""A create request checked and resolved into what to build, before anything is built.

Every refusal (unknown profile, override out of range, another tenant's image, a network the
qemu driver does not have, a NIC on a host device that is not there) happens here, so a refused
create leaves nothing behind. The result names files to make and files to build on; ``build``
makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hearth.designer.sources import is_url, redact
from hearth.errors import NotSupported, ValidationError
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL

from .. import profiles
from ..resources import (
    HardwareProfile,
    HwpPropertyName,
    HwpValue,
    InstanceCreate,
    InstanceSpec,
    InterfaceCreate,
)
from . import catalogue, hostnics
from .design import ARCH, NicPlan
from .files import inside_roots
from .imagefiles import ImageFiles

GiB = 1024**3


@dataclass(frozen=True)
class DiskPlan:
    """A disk to make: an overlay on ``base`` (when given) or an empty file of ``size_bytes``."""

    base: Path | None
    size_bytes: int | None
    fmt: str = "qcow2"


@dataclass(frozen=True)
class Common:
    """What the request says about the instance itself, whatever it is built from."""

    name: str | None
    image_id: str | None
    template_id: str | None
    realm_id: str
    hwp_id: str
    overrides: dict[HwpPropertyName, HwpValue]
    key_name: str | None
    ssh_keys: tuple[str, ...]
    user_data: str | None


@dataclass
class Blueprint:
    common: Common
    os: str
    memory_mib: int | None
    vcpus: int | None
    disks: list[DiskPlan]
    cdroms: list[Path] = field(default_factory=list)
    nics: list[NicPlan] = field(default_factory=list)
    kernel: Path | None = None
    initrd: Path | None = None
    cmdline: str | None = None
    base_images: list[str] = field(default_factory=list)
    spec: dict[str, Any] | None = None
    topology: tuple[int, int, int] | None = None  # sockets, cores, threads


def graphics_of(spec: dict[str, Any] | None) -> GraphicsType:
    """An instance's display, from its stored spec: a template's choice (vnc or none); a guest
    made from an image gets a VNC screen. Its server listens on a unix socket in the guest's
    runtime directory, never on the network, so a screen costs nothing to offer."""
    if spec is None:
        return GraphicsType.vnc
    return GraphicsType(spec.get("graphics", {}).get("type", GraphicsType.vnc.value))


def sizing(
    hwp: HardwareProfile, request: InstanceCreate
) -> tuple[dict[HwpPropertyName, HwpValue], dict[HwpPropertyName, HwpValue]]:
    """(checked overrides, every property's effective value) for the request's profile ``hwp``."""
    overrides = profiles.check_overrides(hwp, request.hwp_overrides)
    values = profiles.effective_values(hwp, request.hwp_overrides)
    arch = values.get(HwpPropertyName.architecture, ARCH)
    if arch != ARCH:
        raise NotSupported(f"the qemu driver runs {ARCH} guests only, not {arch}", architecture=arch)
    return overrides, values


def _int(values: dict[HwpPropertyName, HwpValue], name: HwpPropertyName) -> int | None:
    value = values.get(name)
    return value if isinstance(value, int) else None


def from_image(
    request: InstanceCreate, files: ImageFiles, values: dict[HwpPropertyName, HwpValue], base_size: int | None
) -> tuple[str, int | None, int | None, list[DiskPlan], list[NicPlan]]:
    """(os, memory, vcpus, disks, nics) of an instance booted from an image."""
    if files.os is None:
        raise ValidationError(
            f"image {request.image_id} does not say which OS it holds", image=request.image_id
        )
    storage = _int(values, HwpPropertyName.storage)
    wanted = storage * GiB if storage is not None else None
    if files.disk is not None:
        # Grow the overlay to the profile's storage; never shrink below the image.
        size = wanted if wanted is not None and base_size is not None and wanted > base_size else None
        disk = DiskPlan(base=files.disk, size_bytes=size)
    else:
        disk = DiskPlan(base=None, size_bytes=wanted or catalogue.DEFAULT_ROOT_GB * GiB)
    memory = _int(values, HwpPropertyName.memory)
    vcpus = _int(values, HwpPropertyName.cpu)
    return files.os, memory, vcpus, [disk], [NicPlan(model=DEFAULT_NIC_MODEL)]


def check_kind(request: InterfaceCreate) -> None:
    """A NIC on a network is refused like an unknown network (the qemu driver has none); a bridge,
    OVS or macvtap NIC needs its host device to exist and fit (ValidationError naming it)."""
    if request.type is InterfaceType.network:
        raise ValidationError(
            f"network {request.source!r} does not exist (the qemu driver has no networks; "
            "use a bridge, ovs, macvtap or user interface)",
            network=request.source,
        )
    hostnics.check_source(request.type, request.source)


def check_spec(spec: InstanceSpec) -> list[NicPlan]:
    """Refuse what a spec asks for but a direct-QEMU host cannot give; the NICs it gets."""
    if spec.graphics.type is GraphicsType.spice:
        raise NotSupported(
            "the qemu driver shows a guest's screen over VNC only; spice graphics need libvirt "
            "(ask for graphics type vnc or none)",
            graphics=spec.graphics.type.value,
        )
    if spec.max_memory_mib not in (None, spec.memory_mib) or spec.max_vcpus not in (None, spec.vcpus):
        raise NotSupported("the qemu driver cannot add memory or vCPUs to a running guest (max_* must equal)")
    for name in spec.networks:
        raise ValidationError(
            f"network {name!r} does not exist (the qemu driver has no networks; use interfaces of type "
            "bridge, ovs, macvtap or user)",
            network=name,
        )
    nics: list[NicPlan] = []
    for nic in spec.interfaces:
        check_kind(nic)
        nics.append(
            NicPlan(
                kind=nic.type,
                source=nic.source,
                mode=nic.effective_mode,
                mac=nic.mac,
                model=nic.model or DEFAULT_NIC_MODEL,
            )
        )
    # Pools named by disks are checked against the state directory's pool (pools.check_disk_pools).
    if spec.cdrom is not None and is_url(spec.cdrom):
        raise NotSupported(
            f"install media from a URL ({redact(spec.cdrom)}) needs libvirt or the media service; "
            "give a local path",
        )
    return nics


def spec_files(spec: InstanceSpec, roots: tuple[Path, ...]) -> tuple[list[Path], Path | None, Path | None]:
    """(cdroms, kernel, initrd) of a spec, each resolved inside the driver's media roots."""
    cdroms = [inside_roots(spec.cdrom, roots, "cdrom")] if spec.cdrom is not None else []
    kernel = inside_roots(spec.kernel, roots, "kernel") if spec.kernel is not None else None
    initrd = inside_roots(spec.initrd, roots, "initrd") if spec.initrd is not None else None
    return cdroms, kernel, initrd
