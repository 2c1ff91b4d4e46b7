"""Turn a libvirt domain design into a :class:`Machine`, so one design runs both ways.

The designer speaks libvirt XML. To run the same design without libvirt, this module reads
the ``hearth.domain`` model and emits property maps, following libvirt's own meaning of each
element (no ``<acpi/>`` means no ACPI; ``type='kvm'`` means KVM is required). Hardware the
guest would see differently is refused with NotSupported, never approximated. Host-side
extras with no direct-QEMU counterpart here (VNC/SPICE graphics, input tablets, guest
agent channels) do not change the guest's disks or NICs; they are listed in
``Conversion.skipped`` so the caller decides, instead of vanishing silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hearth.domain import Disk, Domain, Interface
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import devices as dev
from hearth.qemu.machine import CpuTopology, Firmware, Machine
from hearth.qemu.properties import Device, Parts, Scalar, Value, check_id

_ARCHES = {None, "x86_64", "i686"}
_ACCEL = {"kvm": "kvm", "qemu": "tcg", None: "auto"}
_NIC_MODELS = {
    None: "virtio-net-pci",
    "virtio": "virtio-net-pci",
    "e1000": "e1000",
    "e1000e": "e1000e",
    "rtl8139": "rtl8139",
}
_VIDEO_MODELS = {
    "vga": "VGA",
    "virtio": "virtio-vga",
    "bochs": "bochs-display",
    "qxl": "qxl-vga",
    "cirrus": "cirrus-vga",
}
_USB_MODELS = {"qemu-xhci": "qemu-xhci", "nec-xhci": "nec-usb-xhci"}
# Built into the board (or only serving devices skipped below): nothing to add.
_IMPLICIT_CONTROLLERS = {
    ("pci", "pcie-root"),
    ("pci", "pci-root"),
    ("sata", None),
    ("ide", None),
    ("usb", "none"),
    ("virtio-serial", None),
}


@dataclass
class Conversion:
    machine: Machine
    skipped: list[str] = field(default_factory=list)


def _device_id(preferred: str | None, fallback: str) -> str:
    for candidate in (preferred, fallback):
        if candidate and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", candidate):
            return candidate
    return check_id(fallback, "device id")


def _disk_index(target: str) -> int:
    """``vda``/``sda``/``hda`` → 0, ``sdb`` → 1, ``sdaa`` → 26 (libvirt's naming)."""
    letters = re.sub(r"^(vd|sd|hd|xvd)", "", target)
    if not letters.isalpha():
        raise ValidationError(f"cannot read a disk index from target dev {target!r}", target=target)
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - ord("a") + 1)
    return index - 1


def _disk(disk: Disk, machine_type: str, scsi_controller: str | None) -> Parts:
    target = disk.target_dev
    if not target:
        raise ValidationError("a disk without <target dev> cannot be placed")
    kind = disk.device or "disk"
    if kind not in ("disk", "cdrom"):
        raise NotSupported(f"disk {target}: device {kind!r} is not supported by hearth.qemu")
    dev_id = _device_id(disk.alias, target)
    source_type = disk.type or "file"
    if source_type not in ("file", "block"):
        raise NotSupported(f"disk {target}: source type {source_type!r} needs libvirt (only file and block)")
    path = disk.source_file if source_type == "file" else disk.source_dev
    fmt = disk.driver_type or "raw"
    bus = disk.target_bus or ("sata" if kind == "cdrom" else "virtio")
    index = _disk_index(target)
    controller_bus: str | None = None
    if bus == "sata":
        controller_bus = f"ide.{index}"
    elif bus == "ide":
        # On i440fx two IDE buses with two units each; q35 has only the AHCI ports.
        controller_bus = f"ide.{index // 2}" if machine_type.startswith(("pc", "isapc")) else f"ide.{index}"
    elif bus == "scsi":
        if scsi_controller is None:
            raise ValidationError(
                f"disk {target} is on a scsi bus but the domain has no virtio-scsi controller"
            )
        controller_bus = f"{scsi_controller}.0"
    elif bus != "virtio" or kind == "cdrom":
        raise NotSupported(f"{kind} {target}: bus {bus!r} is not supported by hearth.qemu")
    boot = disk.boot_order
    if kind == "cdrom":
        cd_bus: Literal["sata", "ide", "scsi"] = (
            "scsi" if bus == "scsi" else "ide" if bus == "ide" else "sata"
        )
        parts = dev.cdrom(dev_id, path, fmt=fmt, bus=cd_bus, controller_bus=controller_bus, bootindex=boot)
    else:
        if not path:
            raise ValidationError(f"disk {target} has no source")
        disk_bus: dev.DiskBus = "virtio" if bus == "virtio" else "scsi" if bus == "scsi" else "sata"
        if bus == "ide":
            disk_bus = "ide"
        parts = dev.disk(
            dev_id,
            path,
            fmt=fmt,
            bus=disk_bus,
            read_only=disk.readonly,
            bootindex=boot,
            serial=disk.serial,
            controller_bus=controller_bus,
        )
    if source_type == "block":
        for backend in parts.backends:
            file_node = backend.props.get("file")
            if isinstance(file_node, dict):
                file_node["driver"] = "host_cdrom" if kind == "cdrom" else "host_device"
    return parts


def _interface(nic: Interface, index: int) -> Parts:
    dev_id = _device_id(nic.alias, f"net{index}")
    if nic.model not in _NIC_MODELS:
        raise NotSupported(f"interface {dev_id}: model {nic.model!r} is not supported by hearth.qemu")
    netdev: dict[str, Value]
    if nic.type == "user":
        netdev = {"type": "user"}
    elif nic.type == "ethernet" and nic.target_dev:
        netdev = {"type": "tap", "ifname": nic.target_dev, "script": "no", "downscript": "no"}
    elif nic.type == "bridge" and nic.source_bridge and not nic.virtualport_type:
        netdev = {"type": "bridge", "br": nic.source_bridge}
    else:
        raise NotSupported(
            f"interface {dev_id}: type {nic.type!r} needs libvirt (hearth.qemu runs user, ethernet, bridge)"
        )
    return dev.nic(dev_id, netdev=netdev, model=_NIC_MODELS[nic.model], mac=nic.mac, bootindex=nic.boot_order)


def controller_indices(domain: Domain) -> list[int]:
    """Each controller's index in document order; missing ones are numbered as libvirt does on
    define (per type, after the highest taken; pcie-root is 0), so designer output needs no
    define round-trip before it can run here."""
    ctls = list(domain.devices.controllers)
    used: dict[str | None, set[int]] = {}
    for ctl in ctls:
        if ctl.index is not None:
            used.setdefault(ctl.type, set()).add(ctl.index)
    out: list[int] = []
    for ctl in ctls:
        if ctl.index is not None:
            out.append(ctl.index)
            continue
        taken = used.setdefault(ctl.type, set())
        index = 0 if ctl.model == "pcie-root" else max(taken, default=-1) + 1
        while index in taken:
            index += 1
        taken.add(index)
        out.append(index)
    return out


def _controllers(domain: Domain) -> tuple[list[Device], str | None]:
    out: list[Device] = []
    scsi: str | None = None
    for ctl, index in zip(list(domain.devices.controllers), controller_indices(domain), strict=True):
        key = (ctl.type, ctl.model)
        if key in _IMPLICIT_CONTROLLERS:
            continue
        if key == ("pci", "pcie-root-port"):
            out.append(dev.pcie_root_port(_device_id(ctl.alias, f"pci.{index}"), ctl.target_chassis or index))
        elif key in (("scsi", "virtio-scsi"), ("scsi", None)):
            scsi = _device_id(ctl.alias, f"scsi{index}")
            out.append({"driver": "virtio-scsi-pci", "id": scsi})
        elif ctl.type == "usb" and ctl.model in _USB_MODELS:
            out.append({"driver": _USB_MODELS[ctl.model], "id": _device_id(ctl.alias, f"usb{index}")})
        else:
            raise NotSupported(f"controller {ctl.type}/{ctl.model} is not supported by hearth.qemu")
    return out, scsi


def machine_from_domain(domain: Domain, *, console_log: Path | None = None) -> Conversion:
    """The :class:`Machine` that runs ``domain`` under QEMU directly."""
    if not domain.name:
        raise ValidationError("the domain has no <name>")
    if domain.type not in _ACCEL:
        raise NotSupported(f"domain type {domain.type!r} cannot run under QEMU")
    if domain.os.type not in (None, "hvm"):
        raise NotSupported(f"os type {domain.os.type!r} cannot run under QEMU directly")
    if domain.os.arch not in _ARCHES:
        raise NotSupported(f"architecture {domain.os.arch!r} needs another QEMU binary than x86_64")
    memory = domain.memory_mib
    if not memory:
        raise ValidationError("the domain has no <memory>")
    machine_type = domain.os.machine or "q35"
    top = domain.vcpus or 1
    current = domain.vcpus_current or top
    if current > top:
        raise ValidationError(f"<vcpu current='{current}'> is above the maximum {top}")
    props: dict[str, Scalar] = {}
    if not domain.features.acpi:
        props["acpi"] = False  # libvirt turns ACPI off when <acpi/> is absent
    machine = Machine(
        name=domain.name,
        uuid=domain.uuid,
        memory_mib=memory,
        smp=current,
        max_smp=top if current != top else None,
        topology=_topology(domain),
        machine_type=machine_type,
        machine_props=props,
        accel=_ACCEL[domain.type],
        cpu=_cpu(domain),
        kernel=Path(domain.os.kernel) if domain.os.kernel else None,
        initrd=Path(domain.os.initrd) if domain.os.initrd else None,
        append=domain.os.cmdline,
        firmware=_firmware(domain),
        console_log=console_log,
    )
    skipped: list[str] = []
    controllers, scsi = _controllers(domain)
    machine.devices.extend(controllers)
    for disk in domain.devices.disks:
        machine.add(_disk(disk, machine_type, scsi))
    for i, nic in enumerate(domain.devices.interfaces):
        machine.add(_interface(nic, i))
    _boot_order(domain, machine)
    _misc(domain, machine, skipped)
    return Conversion(machine, skipped)


def _topology(domain: Domain) -> CpuTopology | None:
    """``<cpu><topology>``: all of sockets, cores and threads, or none (libvirt's rule)."""
    cpu = domain.cpu
    given = {"sockets": cpu.sockets, "cores": cpu.cores, "threads": cpu.threads}
    if all(v is None for v in given.values()) and cpu.dies is None:
        return None
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise ValidationError(f"<cpu><topology> lacks {', '.join(missing)}", missing=missing)
    assert cpu.sockets is not None and cpu.cores is not None and cpu.threads is not None
    return CpuTopology(sockets=cpu.sockets, cores=cpu.cores, threads=cpu.threads, dies=cpu.dies or 1)


def _cpu(domain: Domain) -> str | None:
    mode = domain.cpu.mode
    if mode == "host-passthrough":
        return "host"
    if mode == "maximum":
        return "max"
    if mode == "custom" and domain.cpu.model:
        return domain.cpu.model
    return None  # host-model or unspecified: host under KVM, max under TCG


def _firmware(domain: Domain) -> Firmware | None:
    os_ = domain.os
    if os_.loader:
        if os_.loader_type not in (None, "pflash"):
            raise NotSupported(f"loader type {os_.loader_type!r} is not supported by hearth.qemu")
        return Firmware(code=Path(os_.loader), vars=Path(os_.nvram) if os_.nvram else None)
    if os_.firmware:
        raise NotSupported(
            f"firmware={os_.firmware!r} auto-selection needs libvirt; give <loader> and <nvram> paths"
        )
    return None


def _boot_order(domain: Domain, machine: Machine) -> None:
    """``<os><boot dev>`` order as bootindex, when no device carries its own ``<boot order>``."""
    if any("bootindex" in d for d in machine.devices):
        return
    wanted = [b.dev for b in domain.os.boot_devices]
    kinds = {"hd": ("virtio-blk-pci", "ide-hd", "scsi-hd"), "cdrom": ("ide-cd", "scsi-cd")}
    kinds["network"] = tuple(_NIC_MODELS.values())
    for position, kind in enumerate(wanted, start=1):
        for device in machine.devices:
            if device["driver"] in kinds.get(kind or "", ()) and "bootindex" not in device:
                device["bootindex"] = position
                break


def _misc(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    devs = domain.devices
    balloon = devs.memballoon
    if balloon is not None and balloon.model not in (None, "none"):
        if balloon.model != "virtio":
            raise NotSupported(f"memballoon model {balloon.model!r} is not supported by hearth.qemu")
        machine.add(dev.balloon("balloon0"))
    for i, rng in enumerate(devs.rngs):
        if rng.model != "virtio" or rng.backend_model not in (None, "random"):
            raise NotSupported(f"rng {rng.model}/{rng.backend_model} is not supported by hearth.qemu")
        machine.add(dev.rng(f"rng{i}", source=rng.backend_path or "/dev/urandom"))
    for i, video in enumerate(devs.videos):
        if video.model == "none":
            continue
        if video.model not in _VIDEO_MODELS:
            raise NotSupported(f"video model {video.model!r} is not supported by hearth.qemu")
        machine.devices.append({"driver": _VIDEO_MODELS[video.model], "id": f"video{i}"})
    serials = list(devs.serials)
    for extra in serials[1:]:
        skipped.append(
            f"serial port {extra.target_port}: only the first serial port is connected (to the console log)"
        )
    if serials and serials[0].type == "file" and serials[0].source_path and machine.console_log is None:
        machine.console_log = Path(serials[0].source_path)
    skipped += [f"graphics {g.type}: hearth.qemu runs without a display" for g in devs.graphics]
    skipped += [f"input {i.type} on {i.bus}" for i in devs.inputs if i.bus not in ("ps2", None)]
    skipped += [f"channel {c.type} {c.target_name or ''}".strip() for c in devs.channels]
    skipped += [f"sound {s.model}" for s in devs.sounds]
    for kind, items in (("filesystem", devs.filesystems), ("hostdev", devs.hostdevs), ("tpm", devs.tpms)):
        if items:
            raise NotSupported(f"{kind} devices are not supported by hearth.qemu yet")
    for watchdog in devs.watchdogs:
        raise NotSupported(f"watchdog {watchdog.model!r} is not supported by hearth.qemu yet")


__all__ = ["Conversion", "machine_from_domain"]
