"""Turn a libvirt domain into a :class:`Machine` that is the same guest libvirt would start.

The designer speaks libvirt XML. To run the same design without libvirt, this module reads
the domain and emits property maps, following libvirt's own meaning of each element (no
``<acpi/>`` means no ACPI; ``type='kvm'`` means KVM is required) and libvirt's defaults
where the XML is silent (``qemu64``, a ``pc`` board, N sockets of one core, an implicit USB
controller and balloon), because QEMU's defaults differ and an OS installed under one driver
must see the same hardware under the other. Hardware that cannot be built the same way is
refused with NotSupported naming the element, never approximated; what has no effect on the
guest (metadata, host-side policy, a display, the host end of a port) is listed in
``Conversion.skipped`` with the reason. ``domain_ledger`` proves nothing else is left over.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from hearth.domain import Address, Disk, Domain, Interface
from hearth.domain.xmlbuilder import XMLObject
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import caps, domain_cpu, domain_devices, domain_platform
from hearth.qemu import devices as dev
from hearth.qemu import firmware as fw
from hearth.qemu.domain_ledger import QEMU_NS, account
from hearth.qemu.machine import Firmware, Machine
from hearth.qemu.properties import Device, Parts, Scalar, Value, check_id
from hearth.vocab.device_names import DISK_PREFIX_PATTERN
from hearth.vocab.disk_devices import FixedDiskDevice, RemovableType
from hearth.vocab.nic_models import NicModel

_ARCHES = {None, "x86_64", "i686"}
_ACCEL = {"kvm": "kvm", "qemu": "tcg", None: "auto"}
_NIC_MODELS: dict[str | None, str] = {model.value: device for model, device in dev.NIC_DEVICES.items()}
_NIC_MODELS[None] = dev.NIC_DEVICES[NicModel.rtl8139]  # libvirt's default NIC model on x86
# Built into the board: nothing to add.
_IMPLICIT_CONTROLLERS = {
    ("pci", "pcie-root"),
    ("pci", "pci-root"),
    ("usb", "none"),
    ("ccid", None),  # the usb-ccid reader is made with its smartcard
}
_SCSI_MODELS = {None: "lsi53c895a", "lsilogic": "lsi53c895a", "virtio-scsi": "virtio-scsi-pci"}
_PCI_CONTROLLERS = {
    "pcie-root-port": "pcie-root-port",
    "pcie-to-pci-bridge": "pcie-pci-bridge",
    "pci-bridge": "pci-bridge",
    "dmi-to-pci-bridge": "i82801b11-bridge",
}
# libvirt's disk cache modes as (direct, no-flush, guest write cache)
_CACHE = {
    "none": (True, False, True),
    "writeback": (False, False, True),
    "writethrough": (False, False, False),
    "directsync": (True, False, False),
    "unsafe": (False, True, True),
}


@dataclass
class Conversion:
    """The machine, and each part of the domain left out of it (``path: reason``)."""

    machine: Machine
    skipped: list[str] = field(default_factory=list)  # left out; the guest or its user may notice
    ignored: list[str] = field(default_factory=list)  # no effect on a QEMU process (metadata, policy)


def _device_id(preferred: str | None, fallback: str) -> str:
    for candidate in (preferred, fallback):
        if candidate and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", candidate):
            return candidate
    return check_id(fallback, "device id")


def _disk_index(target: str) -> int:
    """``vda``/``sda``/``hda`` → 0, ``sdb`` → 1, ``sdaa`` → 26 (libvirt's naming)."""
    letters = re.sub(DISK_PREFIX_PATTERN, "", target)
    if not letters.isalpha():
        raise ValidationError(f"cannot read a disk index from target dev {target!r}", target=target)
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - ord("a") + 1)
    return index - 1


def _default_bus(target: str, kind: str) -> str:
    """libvirt's bus for a ``<target>`` without one: read from the name's prefix."""
    for prefix, bus in (("vd", "virtio"), ("sd", "scsi"), ("hd", "ide")):
        if target.startswith(prefix):
            return bus
    raise ValidationError(f"disk {target}: give <target bus>, the name does not say one")


def _drive_address(disk: Disk, bus: str, index: int, machine_type: str) -> tuple[int, int, int]:
    """(controller, bus, unit) of a disk: its ``<address type='drive'>``, or derived from the
    target name the way libvirt assigns it."""
    addr = disk.address
    if addr is not None:
        if addr.type != "drive":
            raise NotSupported(f"disk {disk.target_dev}: a {addr.type!r} address on a {bus} disk")
        if _hex(addr.target, "target") != 0:
            raise NotSupported(f"disk {disk.target_dev}: drive address target other than 0")
        return _hex(addr.controller, "controller"), _hex(addr.bus, "bus"), _hex(addr.unit, "unit")
    if bus == "ide" and not _is_q35(machine_type):
        return 0, index // 2, index % 2
    if bus == "scsi":
        return 0, 0, index
    return 0, 0, index  # sata: one port per disk


def _disk(disk: Disk, machine_type: str, scsi: Mapping[int, tuple[str, str]]) -> Parts:
    """One ``<disk>``; ``scsi`` maps SCSI controller indexes to (device id, QEMU driver)."""
    target = disk.target_dev
    if not target:
        raise ValidationError("a disk without <target dev> cannot be placed")
    kind = disk.device or FixedDiskDevice.disk
    if kind not in (FixedDiskDevice.disk, RemovableType.cdrom):
        raise NotSupported(f"disk {target}: device {kind!r} is not supported by hearth.qemu")
    dev_id = _device_id(disk.alias, target)
    source_type = disk.type or "file"
    if source_type not in ("file", "block"):
        raise NotSupported(f"disk {target}: source type {source_type!r} needs libvirt (only file and block)")
    path = disk.source_file if source_type == "file" else disk.source_dev
    fmt = disk.driver_type or "raw"
    if disk.driver_name not in (None, "qemu"):
        raise NotSupported(f"disk {target}: driver name {disk.driver_name!r} is not QEMU's")
    bus = disk.target_bus or _default_bus(target, kind)
    if disk.target_tray not in (None, "closed"):
        raise NotSupported(f"disk {target}: an open tray is not supported by hearth.qemu (eject after start)")
    index = _disk_index(target)
    controller_bus: str | None = None
    extra: dict[str, Scalar] = {}
    if bus in ("sata", "ide", "scsi"):
        ctl, drive_bus, unit = _drive_address(disk, bus, index, machine_type)
        if bus == "sata":
            controller_bus = f"ide.{unit}" if ctl == 0 else f"sata{ctl}.{unit}"
        elif bus == "ide":
            if _is_q35(machine_type):
                raise NotSupported(f"disk {target}: q35 has no IDE bus (use sata)")
            controller_bus = f"ide.{drive_bus}"
            extra["unit"] = unit
        else:
            if ctl not in scsi:
                raise ValidationError(f"disk {target} is on SCSI controller {ctl}, which the domain lacks")
            scsi_id, scsi_driver = scsi[ctl]
            controller_bus = f"{scsi_id}.0"
            if scsi_driver == "virtio-scsi-pci":  # one target, the unit is the LUN (libvirt's layout)
                extra.update({"channel": 0, "scsi-id": 0, "lun": unit})
            else:
                extra["scsi-id"] = unit
    elif bus != "virtio" or kind == RemovableType.cdrom:
        raise NotSupported(f"{kind} {target}: bus {bus!r} is not supported by hearth.qemu")
    boot = disk.boot_order
    if kind == RemovableType.cdrom:
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
    parts.devices[0].update(extra)
    _disk_driver(disk, parts, source_type, kind)
    return parts


def _disk_driver(disk: Disk, parts: Parts, source_type: str, kind: str) -> None:
    """``<driver cache io discard detect_zeroes>`` and ``<shareable/>`` on the block nodes and device."""
    cache = disk.driver_cache or "writeback"
    if cache not in _CACHE:
        raise NotSupported(f"disk {disk.target_dev}: cache mode {cache!r} is not supported by hearth.qemu")
    direct, no_flush, write_cache = _CACHE[cache]
    io = disk.driver_io
    if io not in (None, "native", "threads", "io_uring"):
        raise NotSupported(f"disk {disk.target_dev}: io mode {io!r} is not supported by hearth.qemu")
    discard = disk.driver_discard
    if discard not in (None, "unmap", "ignore"):
        raise ValidationError(f"disk {disk.target_dev}: discard must be unmap or ignore")
    zeroes = disk.driver_detect_zeroes
    if zeroes not in (None, "on", "off", "unmap"):
        raise ValidationError(f"disk {disk.target_dev}: detect_zeroes must be on, off or unmap")
    for backend in parts.backends:
        props = backend.props
        file_node = props.get("file")
        if not isinstance(props, dict) or not isinstance(file_node, dict):
            continue
        if source_type == "block":
            file_node["driver"] = "host_cdrom" if kind == RemovableType.cdrom else "host_device"
        node_cache = {"direct": direct, "no-flush": no_flush}
        if direct or no_flush:
            props["cache"] = dict(node_cache)
            file_node["cache"] = dict(node_cache)
        if io is not None:
            file_node["aio"] = io
        if discard is not None:
            props["discard"] = file_node["discard"] = discard
        if zeroes is not None:
            props["detect-zeroes"] = zeroes
    # libvirt passes the guest's write cache flag when a cache mode is given, and for a
    # shareable disk; otherwise it leaves QEMU's auto (following the node's cache)
    if parts.backends and kind == FixedDiskDevice.disk and (disk.driver_cache is not None or disk.shareable):
        parts.devices[0]["write-cache"] = write_cache
    if disk.shareable:
        parts.devices[0]["share-rw"] = True


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
    define (per type, after the highest taken; pcie-root is 0; a member of an ICH9 USB set
    joins the set of the USB controller just before it while that set lacks its model), so
    designer output needs no define round-trip before it can run here."""
    ctls = list(domain.devices.controllers)
    used: dict[str | None, set[int]] = {}
    for ctl in ctls:
        if ctl.index is not None:
            used.setdefault(ctl.type, set()).add(ctl.index)
    out: list[int] = []
    sets: dict[int, set[str]] = {}  # ICH9 USB sets by index: the models they have
    last_usb: int | None = None
    for ctl in ctls:
        model = str(ctl.model)
        ich9 = ctl.type == "usb" and model in domain_devices.ICH9_USB_SET
        if ctl.index is not None:
            index = ctl.index
        elif ich9 and last_usb is not None and model not in sets.get(last_usb, {model}):
            index = last_usb
        else:
            taken = used.setdefault(ctl.type, set())
            index = 0 if ctl.model == "pcie-root" else max(taken, default=-1) + 1
            while index in taken:
                index += 1
            taken.add(index)
        if ctl.type == "usb":
            last_usb = index
            if ich9:
                sets.setdefault(index, set()).add(model)
        out.append(index)
    return out


def _pci_bus(machine_type: str, bus: int) -> str:
    """libvirt's id for PCI bus ``bus``: the root is ``pcie.0`` (q35) or ``pci.0`` (pc)."""
    if bus == 0:
        return "pcie.0" if _is_q35(machine_type) else "pci.0"
    return f"pci.{bus}"


def _is_q35(machine_type: str) -> bool:
    return machine_type.startswith(("q35", "pc-q35"))


def _hex(value: str | None, what: str) -> int:
    try:
        return int(value or "0", 0)
    except ValueError:
        raise ValidationError(f"address {what} {value!r} is not a number") from None


def _placer(machine_type: str) -> Callable[[Device, object], Device]:
    """A function putting a PCI device at the ``<address type='pci'>`` of its element, if any."""

    def place(device: Device, source: object) -> Device:
        if isinstance(source, XMLObject):
            el = source.lookup()
        elif isinstance(source, etree._Element):
            el = source
        else:
            el = None
        addr_el = None if el is None else el.find("address")
        if addr_el is None:
            return device
        addr = Address(addr_el)
        if addr.type == "usb":
            device["bus"] = f"{domain_devices.usb_controller_id(_hex(addr.bus, 'bus'))}.0"
            device["port"] = str(addr.port)
            return device
        if addr.type != "pci":
            raise NotSupported(
                f"a {addr.type!r} address on {device['driver']} is not supported by hearth.qemu"
            )
        if _hex(addr.domain, "domain") != 0:
            raise NotSupported("PCI domains other than 0 are not supported by hearth.qemu")
        device["bus"] = _pci_bus(machine_type, _hex(addr.bus, "bus"))
        slot, function = _hex(addr.slot, "slot"), _hex(addr.function, "function")
        device["addr"] = f"{slot:#x}.{function:#x}" if function else f"{slot:#x}"
        if addr.multifunction:
            device["multifunction"] = True
        return device

    return place


def _board_address(ctl: XMLObject, where: tuple[int, int, int], what: str) -> None:
    """A built-in device can only be where the board has it (libvirt writes that address)."""
    el = ctl.lookup()
    addr_el = None if el is None else el.find("address")
    if addr_el is None:
        return
    addr = Address(addr_el)
    got = (_hex(addr.bus, "bus"), _hex(addr.slot, "slot"), _hex(addr.function, "function"))
    if addr.type != "pci" or got != where:
        raise NotSupported(f"{what} sits at 00:{where[1]:02x}.{where[2]}, not at the address given")


def _controllers(
    domain: Domain, machine_type: str, place: Callable[[Device, object], Device]
) -> tuple[list[Device], dict[int, tuple[str, str]], bool]:
    """The controllers' devices, the SCSI controllers' ids by index, and whether a
    virtio-serial controller exists."""
    out: list[Device] = []
    scsi: dict[int, tuple[str, str]] = {}
    virtio_serial = False
    sata = 0
    numbered = list(zip(list(domain.devices.controllers), controller_indices(domain), strict=True))
    # PCI buses first (by index, as libvirt emits them): devices name them as their bus.
    numbered.sort(key=lambda pair: (pair[0].type != "pci", pair[1] if pair[0].type == "pci" else 0))
    for ctl, index in numbered:
        key = (ctl.type, ctl.model)
        el = ctl.node
        model_name = el.find("model")
        if model_name is not None and model_name.get("name") != _PCI_CONTROLLERS.get(str(ctl.model)):
            raise NotSupported(
                f"controller {ctl.type}/{ctl.model}: <model name={model_name.get('name')!r}> is not the QEMU"
                " device hearth.qemu builds for it"
            )
        if key in _IMPLICIT_CONTROLLERS:
            continue
        if key == ("pci", "pcie-root-port"):
            device = dev.pcie_root_port(_device_id(ctl.alias, f"pci.{index}"), ctl.target_chassis or index)
            port = el.find("target")
            if port is not None and port.get("port") is not None:
                device["port"] = _hex(port.get("port"), "port")
            out.append(place(device, ctl))
        elif ctl.type == "pci" and ctl.model in _PCI_CONTROLLERS and ctl.model != "pcie-root-port":
            out.append(place({"driver": _PCI_CONTROLLERS[ctl.model], "id": f"pci.{index}"}, ctl))
        elif ctl.type == "scsi" and ctl.model in _SCSI_MODELS:
            scsi[index] = (_device_id(ctl.alias, f"scsi{index}"), _SCSI_MODELS[ctl.model])
            out.append(place({"driver": scsi[index][1], "id": scsi[index][0]}, ctl))
        elif ctl.type == "usb":
            model = ctl.model or domain_devices.MODEL_LESS_USB
            master = el.find("master")
            start = None if master is None else _hex(master.get("startport"), "startport")
            out.append(place(domain_devices.usb_controller(model, index, ctl.ports, start), ctl))
        elif ctl.type == "sata" and ctl.model is None:
            if index == 0 and _is_q35(machine_type):
                _board_address(ctl, (0, 0x1F, 2), "the q35 board's own AHCI")
                continue
            sata += 1
            out.append(place({"driver": "ich9-ahci", "id": f"sata{index}"}, ctl))
        elif ctl.type == "ide" and ctl.model is None and index == 0 and not _is_q35(machine_type):
            continue  # the PIIX3 IDE of the pc board
        elif ctl.type == "virtio-serial" and ctl.model is None:
            virtio_serial = True
            out.append(place({"driver": "virtio-serial-pci", "id": f"virtio-serial{index}"}, ctl))
        else:
            raise NotSupported(
                f"controller {ctl.type}/{ctl.model} (index {index}) is not supported by hearth.qemu"
            )
    return out, scsi, virtio_serial


def machine_from_domain(
    domain: Domain,
    *,
    console_log: Path | None = None,
    nvram_dir: Path | None = None,
    firmware_dirs: Sequence[Path] = fw.DESCRIPTOR_DIRS,
    qemu_version: str | None = None,
) -> Conversion:
    """The :class:`Machine` that runs ``domain`` under QEMU directly.

    ``nvram_dir`` is where UEFI variables go when ``<nvram>`` names no file (libvirt's
    ``/var/lib/libvirt/qemu/nvram``); the file is made from its template at launch.
    ``qemu_version`` is the QEMU that will run it (asked of the installed one when not given):
    a bare ``q35``/``pc`` board is that QEMU's latest, and some board defaults follow it.
    """
    if not domain.name:
        raise ValidationError("the domain has no <name>")
    root = domain.lookup()
    if root is None:
        raise ValidationError("the domain document is empty")
    if domain.type not in _ACCEL:
        raise NotSupported(f"domain type {domain.type!r} cannot run under QEMU")
    skipped: list[str] = []
    if domain.os.type not in (None, "hvm"):
        raise NotSupported(f"os type {domain.os.type!r} cannot run under QEMU directly")
    if domain.os.arch not in _ARCHES:
        raise NotSupported(f"architecture {domain.os.arch!r} needs another QEMU binary than x86_64")
    memory_kib = domain.memory_kib
    if not memory_kib:
        raise ValidationError("the domain has no <memory>")
    machine_type = domain.os.machine or "pc"  # libvirt's default board for x86
    top = domain.vcpus or 1
    current = domain.vcpus_current or top
    if current > top:
        raise ValidationError(f"<vcpu current='{current}'> is above the maximum {top}")
    cpu = domain_cpu.guest_cpu(domain)
    numa = domain_cpu.numa(domain, skipped)
    # libvirt replaces <memory> by the sum of the NUMA cells (each rounded up to a MiB), whatever
    # <memory> said, so a guest with cells gets their sum there and here.
    memory_mib = domain_cpu.round_up_mib(memory_kib) if numa is None else numa.memory_mib
    current_kib = domain.current_memory_kib
    if current_kib is not None and domain_cpu.round_up_mib(current_kib) < memory_mib:
        skipped.append(
            "currentMemory: libvirt sets the balloon target after start; the guest starts with <memory>"
        )
    _check_emulator(domain.devices.emulator)
    place = _placer(machine_type)
    machine = Machine(
        name=domain.name,
        uuid=domain.uuid,
        memory_mib=memory_mib,
        smp=current,
        max_smp=top if current != top else None,
        topology=domain_cpu.topology(domain, top),
        machine_type=machine_type,
        accel=_ACCEL[domain.type],
        cpu=cpu.model,
        cpu_props=cpu.props,
        kernel=Path(domain.os.kernel) if domain.os.kernel else None,
        initrd=Path(domain.os.initrd) if domain.os.initrd else None,
        append=domain.os.cmdline,
        console_log=console_log or domain_devices.console_file(domain),
        serial_console=bool(domain.devices.serials or domain.devices.consoles),
        mem_lock=root.find("memoryBacking/locked") is not None,
    )
    if root.find("memoryBacking/nosharepages") is not None:
        machine.machine_props["mem-merge"] = False
    if numa is not None:
        machine.numa = numa.nodes
        machine.backends.extend(numa.backends)
    domain_platform.machine_flags(domain, machine)
    _firmware(domain, machine, nvram_dir, firmware_dirs)
    domain_platform.clock(domain, machine)
    if qemu_version is None and _is_q35(machine_type):  # only q35 has a default that follows it
        qemu_version = caps.load().version
    domain_platform.power_management(domain, machine, qemu_version or "")
    domain_platform.lifecycle(domain, machine, skipped)
    domain_platform.boot(domain, machine)
    genid = root.find("genid")
    if genid is not None:
        machine.devices.append(
            {"driver": "vmgenid", "id": "vmgenid0", "guid": (genid.text or "").strip() or "auto"}
        )
    controllers, scsi, virtio_serial = _controllers(domain, machine_type, place)
    machine.devices.extend(controllers)
    domain_devices.implicit_usb(domain, machine)
    if not scsi and any(
        d.target_bus == "scsi" or ((d.target_dev or "").startswith("sd") and not d.target_bus)
        for d in domain.devices.disks
    ):
        scsi[0] = ("scsi0", _SCSI_MODELS[None])  # libvirt adds a model-less (LSI) one for SCSI disks
        machine.devices.append({"driver": _SCSI_MODELS[None], "id": "scsi0"})
    for disk in domain.devices.disks:
        parts = _disk(disk, machine_type, scsi)
        for device in parts.devices:
            if device["driver"] == "virtio-blk-pci":
                place(device, disk)
        machine.add(parts)
    for i, nic in enumerate(domain.devices.interfaces):
        parts = _interface(nic, i)
        for device in parts.devices:
            place(device, nic)
        machine.add(parts)
    _serials(domain, machine, skipped)
    domain_devices.parallels(domain, machine, skipped)
    domain_devices.channels(domain, machine, skipped, virtio_serial)
    videos = domain_devices.videos(domain, place)
    machine.devices.extend(videos)
    domain_devices.hubs_and_smartcards(domain, machine, skipped)  # USB ports in libvirt's order
    domain_devices.inputs(domain, machine, place)
    domain_devices.sounds(domain, machine, place)
    domain_devices.redirdevs(domain, machine, skipped)
    domain_devices.watchdogs(domain, machine, place)
    machine.add(domain_devices.balloon(domain, place))
    domain_devices.misc(domain, machine, place)
    domain_devices.implicit_balloon(domain, machine)
    if not _is_q35(machine_type):
        domain_devices.pc_slots(machine, videos[0] if videos else None)
    else:  # q35's own USB 2 slot, where libvirt puts an unaddressed ICH9 EHCI set
        ehci = next((d for d in machine.devices if d["driver"] == "ich9-usb-ehci1" and "addr" not in d), None)
        if ehci is not None:
            domain_devices.usb_companion_slot(machine, ehci, 0x1D, "pcie.0")
        domain_devices.q35_slots(machine, videos[0] if videos else None)
    _boot_order(domain, machine)
    _commandline(root, machine)
    # Last, so the specific refusals above come first: NotSupported for anything left unread.
    left_out, ignored = account(root)
    return Conversion(machine, left_out + skipped, ignored)


def _check_emulator(emulator: str | None, binary: str = "qemu-system-x86_64") -> None:
    """``<emulator>`` must be the QEMU hearth.qemu runs (another binary is another guest)."""
    if emulator is None:
        return
    ours = shutil.which(binary)
    if ours is None or os.path.realpath(emulator) != os.path.realpath(ours):
        raise NotSupported(
            f"<emulator>{emulator}</emulator>: hearth.qemu runs {ours or binary}", emulator=emulator
        )


def _serials(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    """Serial port 0 is the console log (a ``<console>`` alone stands for it, as in libvirt);
    further ports exist for the guest with their host side as :mod:`domain_devices` says."""
    serials = list(domain.devices.serials)
    for port in [*serials, *domain.devices.consoles]:
        target = port.target_type
        if target not in (None, "serial", "isa-serial"):
            raise NotSupported(
                f"a {port.node.tag} with target type {target!r} is not supported by hearth.qemu"
            )
    if not serials and not domain.devices.consoles:
        return
    ports = [s.target_port for s in serials]
    if len(ports) > 1 and None in ports:
        raise NotSupported(
            "serial ports with and without <target port>: libvirt numbers the unnumbered ones after"
            " the highest given port; give each <serial> its <target port>"
        )
    if ports and ports[0] not in (None, 0):
        raise NotSupported("the first <serial> must be port 0 under hearth.qemu (it is the console)")
    for i, extra in enumerate(serials[1:], start=1):
        domain_devices.extra_serial(extra, extra.target_port or i, machine, skipped)


def _firmware(domain: Domain, machine: Machine, nvram_dir: Path | None, dirs: Sequence[Path]) -> None:
    """``<loader>``/``<nvram>`` as written, or picked from the firmware descriptors for ``firmware='efi'``."""
    os_ = domain.os
    nvram = Path(os_.nvram) if os_.nvram else None
    template = Path(os_.nvram_template) if os_.nvram_template else None
    smm = machine.machine_props.get("smm")
    if os_.firmware is not None:
        if os_.firmware == "bios":
            return  # SeaBIOS, QEMU's built-in default
        if os_.firmware != "efi":
            raise NotSupported(f"firmware={os_.firmware!r} is not supported by hearth.qemu")
        root = domain.node
        wanted = {str(f.get("name")): f.get("enabled") == "yes" for f in root.findall("os/firmware/feature")}
        if os_.loader_secure is not None:
            wanted.setdefault("secure-boot", os_.loader_secure)
        desc = fw.select(
            "uefi",
            arch=os_.arch or "x86_64",
            machine_type=machine.machine_type,
            wanted=wanted,
            smm=None if smm is None else bool(smm),
            dirs=dirs,
        )
        if desc.requires_smm:
            machine.machine_props["smm"] = True
        vars_path = nvram or _nvram_path(domain, nvram_dir)
        machine.firmware = Firmware(
            code=desc.code,
            vars=vars_path,
            secure=desc.requires_smm,
            vars_template=template or desc.vars_template,
        )
        return
    if not os_.loader:
        if nvram is not None:
            raise ValidationError("<nvram> without a <loader> has no firmware to serve")
        return
    kind = os_.loader_type or "rom"  # libvirt: a loader without a type is a ROM (-bios)
    if kind == "rom":
        if os_.loader_secure or nvram is not None:
            raise ValidationError("a ROM <loader> (type='rom' or no type) cannot be secure or have <nvram>")
        machine.bios = Path(os_.loader)
        return
    if kind != "pflash":
        raise NotSupported(f"loader type {kind!r} is not supported by hearth.qemu")
    secure = bool(os_.loader_secure)
    if secure and smm is not True:
        raise ValidationError("<loader secure='yes'> needs <features><smm state='on'/> (as libvirt requires)")
    # libvirt opens pflash code writable unless readonly='yes' (a combined code+vars image
    # needs that); a shipped file then fails to open under libvirt, and is written here.
    readonly = bool(os_.loader_readonly)
    if readonly and nvram is None and template is not None:
        nvram = _nvram_path(domain, nvram_dir)
    machine.firmware = Firmware(
        code=Path(os_.loader), vars=nvram, secure=secure, vars_template=template, code_read_only=readonly
    )


def _nvram_path(domain: Domain, nvram_dir: Path | None) -> Path:
    if nvram_dir is None:
        raise ValidationError("<nvram> names no file; give it a path (or pass nvram_dir)")
    return nvram_dir / f"{domain.name}_VARS.fd"


def _boot_order(domain: Domain, machine: Machine) -> None:
    """``<os><boot dev>`` order as bootindex, when no device carries its own ``<boot order>``."""
    if any("bootindex" in d for d in machine.devices):
        return
    wanted = [b.dev for b in domain.os.boot_devices] or ["hd"]  # libvirt's default boot device
    kinds = {"hd": ("virtio-blk-pci", "ide-hd", "scsi-hd"), "cdrom": ("ide-cd", "scsi-cd")}
    kinds["network"] = tuple(_NIC_MODELS.values())
    if "fd" in wanted:
        raise NotSupported("<boot dev='fd'>: floppies are not supported by hearth.qemu")
    for position, kind in enumerate(wanted, start=1):
        for device in machine.devices:
            if device["driver"] in kinds.get(kind or "", ()) and "bootindex" not in device:
                device["bootindex"] = position
                break


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _commandline(root: etree._Element, machine: Machine) -> None:
    """``<qemu:commandline>``: arguments appended as they are (each one whole; validate checks
    every option against the installed QEMU) and environment variables for the process."""
    for block in root.findall(f"{{{QEMU_NS}}}commandline"):
        for item in block:
            if not isinstance(item.tag, str):
                continue
            name = etree.QName(item).localname
            if name == "arg":
                value = item.get("value")
                if value is None:
                    raise ValidationError("<qemu:arg> has no value")
                machine.extra_args.append(value)
            elif name == "env":
                key, value = item.get("name"), item.get("value", "")
                if not key or not _ENV_NAME.match(key):
                    raise ValidationError(f"<qemu:env name={key!r}> is not a valid variable name")
                machine.env[key] = value


__all__ = ["Conversion", "machine_from_domain"]
