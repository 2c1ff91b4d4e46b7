"""Hot-plugging volumes and NICs into a running guest, and getting them back out reliably.

Removing a PCIe device needs the guest's help: QEMU presses the slot's attention button and
waits for the guest to power the slot down. A press that arrives while the guest is still
booting (before its hot-plug driver runs) is lost, and QEMU never reports DEVICE_DELETED. So
the unplug is asked for again every few seconds until the guest releases the device or the
time is up; a guest that is up answers the first request within a second.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hearth.errors import BackendTimeout, HearthError
from hearth.qemu import SyncVM
from hearth.qemu import devices as dev
from hearth.qemu.qmp import QMPCommandError

UNPLUG_BUDGET = 45.0


def plug_disk(handle: SyncVM, device: str, path: Path, serial: str) -> None:
    """A qcow2 file as a virtio disk on a free hot-plug port."""
    handle.add_disk(device, path, fmt="qcow2", serial=serial)


def unplug_disk(handle: SyncVM, device: str) -> None:
    """Take the disk out and drop its block node; BackendTimeout if the guest never lets go."""
    _unplug(handle, device, "disk")
    with contextlib.suppress(HearthError):  # already gone if QEMU dropped it with the device
        handle.qmp.execute("blockdev-del", {"node-name": dev.drive_node(device)})


def plug_nic(handle: SyncVM, device: str, mac: str, model: str, fd: int | None = None) -> None:
    """A NIC on a free hot-plug port: user-mode (its own slirp stack), or on the tap or macvtap
    open as ``fd``, which QEMU is handed first (``getfd``) and its netdev then takes."""
    if fd is None:
        handle.add_nic(device, netdev={"type": "user"}, mac=mac, model=model)
        return
    name = f"fd-{device}"
    handle.pass_fd(name, fd)
    try:
        handle.add_nic(device, netdev={"type": "tap", "fd": name}, mac=mac, model=model)
    except BaseException:
        with contextlib.suppress(HearthError):  # still QEMU's if netdev_add never took it
            handle.close_fd(name)
        raise


def unplug_nic(handle: SyncVM, device: str) -> None:
    _unplug(handle, device, "interface")
    with contextlib.suppress(HearthError):
        handle.qmp.execute("netdev_del", {"id": dev.netdev_id(device)})


def _unplug(handle: SyncVM, device: str, what: str, *, budget: float = UNPLUG_BUDGET) -> None:
    """Unplug (hearth.qemu repeats the request until the guest lets go) within ``budget``."""
    try:
        handle.unplug(device, timeout=budget)
    except BackendTimeout:
        raise BackendTimeout(
            f"the guest did not release {what} {device} within {budget:g}s; it stays attached", device=device
        ) from None
    except QMPCommandError as exc:
        if exc.details.get("error_class") == "DeviceNotFound" and device not in handle.pci_device_ids():
            return  # already gone
        raise


def snapshot_live(handle: SyncVM, device: str, tag: str) -> None:
    """An internal snapshot of a disk in use, taken by QEMU itself (consistent at that instant)."""
    handle.qmp.execute("blockdev-snapshot-internal-sync", {"device": dev.drive_node(device), "name": tag})


def delete_snapshot_live(handle: SyncVM, device: str, tag: str) -> None:
    handle.qmp.execute(
        "blockdev-snapshot-delete-internal-sync", {"device": dev.drive_node(device), "name": tag}
    )
