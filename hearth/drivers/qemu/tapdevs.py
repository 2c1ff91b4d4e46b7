"""Kernel and Open vSwitch primitives behind a guest NIC: taps, macvtaps, bridge ports.

Each function does one host operation and reports failure as a BackendError naming the device,
never a raw OSError or an ``ip`` traceback. Taps are made through /dev/net/tun (not ``ip tuntap``)
so the tap is not persistent: it lives exactly as long as a descriptor is open on it, and so goes
away with the QEMU that holds it, whatever way QEMU ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import subprocess
import time
from pathlib import Path

from hearth.errors import BackendError
from hearth.host.ovs import run_vsctl

SYS_CLASS_NET = Path("/sys/class/net")
_TUNSETIFF = 0x400454CA
_TUNGETIFF = 0x800454D2
_IFF_TAP = 0x0002
_IFF_NO_PI = 0x1000
_IFF_VNET_HDR = 0x4000
_IFREQ = "16sH22x"  # struct ifreq: the name, then ifr_flags, padded to 40 bytes
_IP_TIMEOUT = 10
_DEVNODE_WAIT = 2.0


def exists(name: str) -> bool:
    return (SYS_CLASS_NET / name).exists()


def ip(*args: str) -> None:
    """One ``ip`` (iproute2) command; BackendError with its own message when it fails."""
    try:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=_IP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"ip {' '.join(args)} failed: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackendError(f"ip {' '.join(args)} failed: {detail}")


def open_tap(name: str, *, vnet_hdr: bool) -> int:
    """A new tap device ``name``; the returned descriptor is its only keeper."""
    flags = _IFF_TAP | _IFF_NO_PI | (_IFF_VNET_HDR if vnet_hdr else 0)
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise BackendError(f"cannot open /dev/net/tun to make tap {name}: {exc.strerror}") from None
    try:
        fcntl.ioctl(fd, _TUNSETIFF, struct.pack(_IFREQ, name.encode(), flags))
    except OSError as exc:
        os.close(fd)
        raise BackendError(f"cannot create tap device {name}: {exc.strerror}") from None
    return fd


def open_macvtap(name: str, *, vnet_hdr: bool) -> int:
    """The character device of macvtap ``name`` (``/dev/tap<ifindex>``), opened with the virtio
    header on or off to match the guest's NIC model."""
    try:
        ifindex = (SYS_CLASS_NET / name / "ifindex").read_text().strip()
    except OSError:
        raise BackendError(f"macvtap {name} vanished before it could be opened") from None
    node = Path(f"/dev/tap{ifindex}")
    deadline = time.monotonic() + _DEVNODE_WAIT
    while not node.exists() and time.monotonic() < deadline:  # devtmpfs may lag a moment
        time.sleep(0.05)
    try:
        fd = os.open(node, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise BackendError(f"cannot open {node} of macvtap {name}: {exc.strerror}") from None
    try:
        raw = fcntl.ioctl(fd, _TUNGETIFF, struct.pack(_IFREQ, b"", 0))
        flags = struct.unpack(_IFREQ, raw)[1]
        flags = flags | _IFF_VNET_HDR if vnet_hdr else flags & ~_IFF_VNET_HDR
        fcntl.ioctl(fd, _TUNSETIFF, struct.pack(_IFREQ, b"", flags))
    except OSError as exc:
        os.close(fd)
        raise BackendError(f"cannot set up macvtap {name}: {exc.strerror}") from None
    return fd


def add_macvtap(name: str, lower: str, mode: str, mac: str) -> None:
    """A macvtap on host device ``lower`` carrying the guest's own MAC, up."""
    ip("link", "add", "link", lower, "name", name, "address", mac, "type", "macvtap", "mode", mode)
    try:
        ip("link", "set", "dev", name, "up")
    except BackendError:
        delete_link(name)
        raise


def join_bridge(name: str, bridge: str, mac: str) -> None:
    """Put tap ``name`` on Linux bridge ``bridge`` with host-side MAC ``mac`` and the bridge's MTU
    (as libvirt does: a smaller port would lower the bridge's), and bring it up."""
    try:
        mtu = (SYS_CLASS_NET / bridge / "mtu").read_text().strip()
    except OSError:
        raise BackendError(f"Linux bridge {bridge} vanished before tap {name} could join it") from None
    ip("link", "set", "dev", name, "address", mac, "mtu", mtu, "master", bridge, "up")


def bring_up(name: str, mac: str) -> None:
    ip("link", "set", "dev", name, "address", mac, "up")


def delete_link(name: str) -> None:
    """Remove device ``name`` if it is there (gone already is fine)."""
    if exists(name):
        with contextlib.suppress(BackendError):
            ip("link", "del", "dev", name)
    if exists(name):
        raise BackendError(f"host device {name} could not be removed")


def ovs_add_port(bridge: str, port: str, *, mac: str, iface_id: str, vm_id: str) -> None:
    """Add ``port`` to OVS bridge ``bridge``, labelled the way libvirt labels a guest's port
    (so OVS controllers and ``ovs-vsctl find`` see whose NIC it is)."""
    run_vsctl(
        [
            "--may-exist",
            "add-port",
            bridge,
            port,
            "--",
            "set",
            "Interface",
            port,
            f'external-ids:attached-mac="{mac}"',
            f'external-ids:iface-id="{iface_id}"',
            f'external-ids:vm-id="{vm_id}"',
            "external-ids:iface-status=active",
        ]
    )


def ovs_del_port(port: str) -> None:
    run_vsctl(["--if-exists", "del-port", port])
