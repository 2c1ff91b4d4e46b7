"""Turn what an instance should be into a libvirt domain, through the designer.

The designer picks machine, buses and device models from the OS's osinfo data and the host's
capabilities; this module only states the facts (memory, CPUs, kernel, disks, NICs) and adds
what the designer does not know about: pool volumes (whose files may not be visible here, e.g.
on a remote host), the cloud-init seed, a console log, and VNC on a unix socket only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hearth.designer import Designer
from hearth.designer.targets import BUS_PREFIX, next_target
from hearth.domain import Controller, Disk, Domain, DomainCapabilities, HostCapabilities
from hearth.errors import ValidationError
from hearth.vocab.device_names import VOLUME_DEVICE_PATTERN
from hearth.vocab.disk_devices import FixedDiskDevice, RemovableType
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from ..resources import Topology


@dataclass(frozen=True)
class Nic:
    """A NIC with its source already resolved to what libvirt calls it."""

    type: InterfaceType
    source: str | None  # libvirt network name, bridge, or host device
    mac: str
    model: NicModel
    mode: MacvtapMode | None = None


@dataclass
class Plan:
    name: str
    uuid: str
    os: str
    arch: str
    memory_mib: int | None
    vcpus: int | None
    max_memory_mib: int | None = None
    max_vcpus: int | None = None
    topology: Topology | None = None
    graphics: GraphicsType = GraphicsType.none
    listen: str | None = None
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    check_local_files: bool = True  # False when the files live on a remote host
    cdrom: str | None = None
    disks: list[tuple[str, str]] = field(default_factory=list)  # (path, format)
    seed: str | None = None
    nics: list[Nic] = field(default_factory=list)
    console_log: str | None = None


def choose_arch(host: HostCapabilities, wanted: str, is_test: bool) -> str:
    """The guest arch: the image's, if the host runs it (the test driver only emulates its own)."""
    if host.guest(wanted) is not None:
        return wanted
    if is_test and host.guests:
        arch = host.guests[0].arch
        if arch:
            return arch
    raise ValidationError(f"this host cannot run {wanted} guests", architecture=wanted)


def design(
    plan: Plan, host: HostCapabilities, domcaps: DomainCapabilities | None, domain_type: str
) -> tuple[Domain, list[str]]:
    d = Designer(host_caps=host, domain_caps=domcaps, domain_type=domain_type, default_network=None)
    d.setup(
        plan.os,
        plan.arch,
        memory=plan.max_memory_mib or plan.memory_mib,
        vcpus=plan.max_vcpus or plan.vcpus,
        graphics=plan.graphics,
    )
    d.set_name(plan.name, plan.uuid)
    if plan.topology is not None:
        t = plan.topology
        d.set_cpu_topology(t.sockets, t.cores, t.threads)
    if plan.kernel is not None and plan.check_local_files:
        d.set_kernel(plan.kernel, plan.initrd, plan.cmdline)
    if plan.cdrom is not None:
        d.add_cdrom(plan.cdrom)
    for nic in plan.nics:
        d.add_interface(nic.type, nic.source, mode=nic.mode, mac=nic.mac, model=nic.model)
    result = d.build()
    dom = result.domain
    if plan.kernel is not None and not plan.check_local_files:
        dom.os.kernel, dom.os.initrd, dom.os.cmdline = plan.kernel, plan.initrd, plan.cmdline
        dom.os.set_boot_order([])
    if plan.max_memory_mib is not None and plan.memory_mib is not None:
        dom.current_memory_kib = plan.memory_mib * 1024  # <memory> is the ceiling, the balloon sets current
    if plan.max_vcpus is not None and plan.vcpus is not None:
        dom.vcpus_current = plan.vcpus
    for graphics in dom.devices.graphics:
        if graphics.type == GraphicsType.vnc.value:
            # VNC never on the network: libvirt makes the socket; the screen is reached through
            # /v1/instances/{id}/vnc (an fd libvirt passes, hearth.drivers.libvirt.console).
            graphics.listen_type = "socket"
        elif plan.listen is not None:
            graphics.listen_type = "address"
            graphics.listen_address = plan.listen
    _add_disks(dom, plan)
    if "q35" in (dom.os.machine or ""):
        # Conventional-PCI NIC models (e1000, rtl8139) can only be hot-plugged behind this bridge.
        dom.devices.controllers.append(Controller(type="pci", model="pcie-to-pci-bridge"))
    if plan.console_log is not None:
        for console in dom.devices.consoles:
            console.log_file = plan.console_log
            console.log_append = False
    return dom, result.warnings


def _add_disks(dom: Domain, plan: Plan) -> None:
    """Pool volumes as virtio disks (vda is the root disk), and the seed (a pool volume too) as a
    read-only CD: they live on the hypervisor's host, whose files we need not see."""
    used = [d.target_dev for d in dom.devices.disks if d.target_dev]
    for path, fmt in plan.disks:
        target = next_target("virtio", used)
        used.append(target)
        dom.devices.disks.append(
            Disk(
                type="file",
                device=FixedDiskDevice.disk,
                driver_name="qemu",
                driver_type=fmt,
                source_file=path,
                target_dev=target,
                target_bus="virtio",
            )
        )
    if plan.seed is not None:
        bus = "sata" if "q35" in (dom.os.machine or "") else "ide"
        target = next_target(bus, used)
        dom.devices.disks.append(
            Disk(
                type="file",
                device=RemovableType.cdrom,
                driver_name="qemu",
                driver_type="raw",
                source_file=plan.seed,
                target_dev=target,
                target_bus=bus,
                readonly=True,
            )
        )


# The bus a data disk attaches on, by the prefix of the name the user chose (sdX is SCSI).
_VOLUME_BUSES = ("virtio", "scsi", "ide", "xen")
_BUS_BY_PREFIX = {BUS_PREFIX[bus]: bus for bus in _VOLUME_BUSES}


def disk_xml(path: str, fmt: str, device: str) -> Disk:
    """A data disk for attach: the bus follows the device name the user chose (vdX, sdX, hdX)."""
    match = re.match(VOLUME_DEVICE_PATTERN, device)
    if match is None:
        raise ValidationError(f"device {device!r} is not a disk name such as vdb", device=device)
    return Disk(
        type="file",
        device=FixedDiskDevice.disk,
        driver_name="qemu",
        driver_type=fmt,
        source_file=path,
        target_dev=device,
        target_bus=_BUS_BY_PREFIX[match.group(1)],
    )
