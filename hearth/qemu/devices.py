"""Typed shortcuts that build the common property maps.

They exist so callers do not have to remember that a qcow2 disk is a format node over a
file node plus a ``virtio-blk-pci`` pointing at it; they return plain maps
(:class:`~hearth.qemu.properties.Parts`), so anything a helper does not cover can still be
written by hand as a dict and goes down exactly the same path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from hearth.errors import ValidationError
from hearth.qemu.properties import NODE_NAME_MAX, Backend, Device, Parts, Scalar, Value, check_id
from hearth.vocab.nic_models import NicModel

DiskBus = Literal["virtio", "sata", "ide", "scsi", "usb"]
_DISK_DRIVER: dict[str, str] = {
    "virtio": "virtio-blk-pci",
    "sata": "ide-hd",
    "ide": "ide-hd",
    "scsi": "scsi-hd",
    "usb": "usb-storage",
}
_CD_DRIVER: dict[str, str] = {"sata": "ide-cd", "ide": "ide-cd", "scsi": "scsi-cd"}
# The QEMU device of each NIC model the contract offers (hearth.qemu runs exactly these).
NIC_DEVICES: dict[NicModel, str] = {
    NicModel.virtio: "virtio-net-pci",
    NicModel.e1000e: "e1000e",
    NicModel.e1000: "e1000",
    NicModel.rtl8139: "rtl8139",
}


def drive_node(device_id: str) -> str:
    """The node-name of the top block node behind device ``device_id``."""
    return check_id(f"drive-{check_id(device_id, 'device id')}", "node-name", NODE_NAME_MAX)


def netdev_id(device_id: str) -> str:
    return f"net-{check_id(device_id, 'device id')}"


def _with(device: Device, **optional: Scalar | None) -> Device:
    for key, value in optional.items():
        if value is not None:
            device[key] = value
    return device


def block_node(
    node: str, path: str | Path, *, fmt: str = "qcow2", read_only: bool = False, cache_direct: bool = False
) -> Backend:
    """A format node over an inline file node; deleting the format node removes both."""
    file: dict[str, Value] = {"driver": "file", "filename": str(path)}
    if cache_direct:
        file["cache"] = {"direct": True}
    props: dict[str, Value] = {
        "driver": fmt,
        "node-name": check_id(node, "node-name", NODE_NAME_MAX),
        "read-only": read_only,
        "file": file,
    }
    return Backend("blockdev", props)


def disk(
    id: str,
    path: str | Path,
    *,
    fmt: str = "qcow2",
    bus: DiskBus = "virtio",
    read_only: bool = False,
    bootindex: int | None = None,
    serial: str | None = None,
    controller_bus: str | None = None,
) -> Parts:
    """A disk image as a block node plus the guest-visible disk device.

    ``controller_bus`` is where the device plugs in: a PCI(e) bus or root port id for
    virtio, ``ide.N`` for sata/ide, ``<scsi-controller>.0`` for scsi.
    """
    if bus not in _DISK_DRIVER:
        raise ValidationError(f"unsupported disk bus {bus!r}; expected one of {', '.join(_DISK_DRIVER)}")
    node = drive_node(id)
    device: Device = {"driver": _DISK_DRIVER[bus], "id": id, "drive": node}
    _with(device, bus=controller_bus, bootindex=bootindex, serial=serial)
    return Parts([block_node(node, path, fmt=fmt, read_only=read_only)], [device])


def cdrom(
    id: str,
    path: str | Path | None = None,
    *,
    fmt: str = "raw",
    bus: Literal["sata", "ide", "scsi"] = "sata",
    controller_bus: str | None = None,
    bootindex: int | None = None,
) -> Parts:
    """A CD-ROM drive, with media or empty (insert later with ``change_media``)."""
    if bus not in _CD_DRIVER:
        raise ValidationError(f"unsupported cdrom bus {bus!r}; expected one of {', '.join(_CD_DRIVER)}")
    device: Device = {"driver": _CD_DRIVER[bus], "id": check_id(id, "device id")}
    backends: list[Backend] = []
    if path is not None:
        node = drive_node(id)
        backends.append(block_node(node, path, fmt=fmt, read_only=True))
        device["drive"] = node
    _with(device, bus=controller_bus, bootindex=bootindex)
    return Parts(backends, [device])


def nic(
    id: str,
    *,
    netdev: Mapping[str, Value] | None = None,
    model: str = NIC_DEVICES[NicModel.virtio],
    mac: str | None = None,
    controller_bus: str | None = None,
    bootindex: int | None = None,
) -> Parts:
    """A NIC and its host side; ``netdev`` defaults to user-mode networking (``{"type": "user"}``)."""
    props: dict[str, Value] = dict(netdev or {"type": "user"})
    props.setdefault("type", "user")
    props["id"] = net = netdev_id(id)
    device: Device = {"driver": model, "id": check_id(id, "device id"), "netdev": net}
    _with(device, mac=mac, bus=controller_bus, bootindex=bootindex)
    return Parts([Backend("netdev", props)], [device])


def serial_file(id: str, path: str | Path) -> Parts:
    """An extra ISA serial port writing to a file."""
    chardev = Backend(
        "chardev", {"backend": "file", "id": f"chr-{check_id(id, 'device id')}", "path": str(path)}
    )
    return Parts([chardev], [{"driver": "isa-serial", "id": id, "chardev": f"chr-{id}"}])


def rng(id: str = "rng0", source: str = "/dev/urandom", controller_bus: str | None = None) -> Parts:
    obj = Backend(
        "object", {"qom-type": "rng-random", "id": f"obj-{check_id(id, 'device id')}", "filename": source}
    )
    device: Device = {"driver": "virtio-rng-pci", "id": id, "rng": f"obj-{id}"}
    return Parts([obj], [_with(device, bus=controller_bus)])


def balloon(id: str = "balloon0", controller_bus: str | None = None) -> Parts:
    device: Device = {"driver": "virtio-balloon-pci", "id": check_id(id, "device id")}
    return Parts([], [_with(device, bus=controller_bus)])


def vsock(id: str, guest_cid: int, controller_bus: str | None = None) -> Parts:
    if guest_cid < 3:
        raise ValidationError(f"vsock guest cid must be 3 or more, not {guest_cid}", guest_cid=guest_cid)
    device: Device = {"driver": "vhost-vsock-pci", "id": check_id(id, "device id"), "guest-cid": guest_cid}
    return Parts([], [_with(device, bus=controller_bus)])


def virtiofs(id: str, socket: str | Path, tag: str, controller_bus: str | None = None) -> Parts:
    """A virtio-fs share served by a virtiofsd listening on ``socket``.

    The guest memory must be shareable (a ``memory-backend-memfd`` with ``share=on`` as the
    machine's memory backend) for vhost-user to work; that is the caller's machine choice.
    """
    chardev = Backend(
        "chardev", {"backend": "socket", "id": f"chr-{check_id(id, 'device id')}", "path": str(socket)}
    )
    device: Device = {"driver": "vhost-user-fs-pci", "id": id, "chardev": f"chr-{id}", "tag": tag}
    return Parts([chardev], [_with(device, bus=controller_bus)])


def share_9p(
    id: str,
    path: str | Path,
    tag: str,
    *,
    security_model: Literal["mapped-xattr", "mapped-file", "passthrough", "none"] = "mapped-xattr",
    read_only: bool = False,
    controller_bus: str | None = None,
) -> Parts:
    fsdev = Backend(
        "fsdev",
        {
            "fsdriver": "local",
            "id": f"fs-{check_id(id, 'device id')}",
            "path": str(path),
            "security_model": security_model,
            "readonly": read_only,
        },
    )
    device: Device = {"driver": "virtio-9p-pci", "id": id, "fsdev": f"fs-{id}", "mount_tag": tag}
    return Parts([fsdev], [_with(device, bus=controller_bus)])


def pcie_root_port(id: str, chassis: int, *, bus: str = "pcie.0", slot: int | None = None) -> Device:
    """One hot-plug slot on q35: PCIe devices can only be hot-added behind a root port."""
    device: Device = {
        "driver": "pcie-root-port",
        "id": check_id(id, "device id"),
        "bus": bus,
        "chassis": chassis,
    }
    return _with(device, slot=slot)


def pcie_root_ports(count: int, *, prefix: str = "hotplug", first_chassis: int = 1) -> Parts:
    """``count`` empty root ports (``<prefix>0``...) kept free for hot-plugged devices."""
    return Parts([], [pcie_root_port(f"{prefix}{i}", first_chassis + i) for i in range(count)])


def display(driver: str = "VGA") -> Parts:
    """A display adapter, needed for ``screendump`` (with ``-display none`` nothing is shown)."""
    return Parts([], [{"driver": driver, "id": "video0"}])
