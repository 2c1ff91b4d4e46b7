"""Host network devices from /sys/class/net: what each one is and whether something uses it.

The kind decides what a template may do with a device (a macvtap source should be a physical
NIC, bond, veth or VLAN; a bridge source a Linux bridge), and "in use" warns before a device that
is already enslaved or carries guests' macvtaps is handed out again. Everything is read from
sysfs files and links, plus the ethtool driver name for the few virtual kinds sysfs leaves
anonymous (veth, OVS internal ports).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hearth.errors import NotFound, ValidationError

SYS_CLASS_NET = Path("/sys/class/net")
ARPHRD_LOOPBACK = 772
ARPHRD_NONE = 65534
IFNAMSIZ = 16
_SIOCETHTOOL = 0x8946
_ETHTOOL_GDRVINFO = 3
_DRVINFO_SIZE = 196  # struct ethtool_drvinfo


class InterfaceKind(StrEnum):
    physical = "physical"
    bond = "bond"
    veth = "veth"
    bridge = "bridge"
    macvtap = "macvtap"
    macvlan = "macvlan"
    tap = "tap"
    tun = "tun"
    vlan = "vlan"
    loopback = "loopback"
    ovs = "ovs"  # an Open vSwitch internal port (kernel datapath)
    other = "other"


class OperState(StrEnum):
    """RFC 2863 operational states, as the kernel reports them."""

    up = "up"
    down = "down"
    unknown = "unknown"
    dormant = "dormant"
    lowerlayerdown = "lowerlayerdown"
    notpresent = "notpresent"
    testing = "testing"


class HostInterface(BaseModel):
    """One network device. ``used_by`` lists the devices that depend on it (its master, the
    macvtaps/VLANs stacked on it, a bridge's or bond's ports); ``in_use`` is whether any do."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: InterfaceKind
    operstate: OperState
    mac: str | None = None
    mtu: int
    master: str | None = None
    lower: list[str] = Field(default_factory=list)
    ports: list[str] = Field(default_factory=list)
    used_by: list[str] = Field(default_factory=list)
    in_use: bool
    driver: str | None = None


def list_interfaces(root: Path = SYS_CLASS_NET) -> list[HostInterface]:
    """Every device in this network namespace, sorted by name; devices that vanish mid-read are skipped."""
    out: list[HostInterface] = []
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        raise NotFound(f"cannot read the host's network devices from {root}: {exc.strerror}") from None
    for name in names:
        iface = _read(root, name)
        if iface is not None:
            out.append(iface)
    return out


def get_interface(name: str, root: Path = SYS_CLASS_NET) -> HostInterface:
    check_name(name)
    iface = _read(root, name)
    if iface is None:
        raise NotFound(f"host interface {name!r} does not exist", kind="host interface", id=name)
    return iface


def check_name(name: str) -> str:
    """A kernel interface name: 1-15 characters, no '/', whitespace, or ':' (so it is safe in a path)."""
    if not 0 < len(name) < IFNAMSIZ or name in (".", "..") or any(c in "/: \t\n\x00" for c in name):
        raise ValidationError(f"{name!r} is not a valid network interface name", interface=name)
    return name


def _read(root: Path, name: str) -> HostInterface | None:
    d = root / name
    try:
        entries = set(os.listdir(d))
        uevent = _uevent(d / "uevent")
        dev_type = int(_text(d / "type") or 0)
        mtu = int(_text(d / "mtu") or 0)
        state = _text(d / "operstate") or "unknown"
        mac = _text(d / "address") or None
    except (OSError, ValueError):
        return None  # removed while we were reading it
    master = _link_name(d / "master")
    lower = sorted(e.removeprefix("lower_") for e in entries if e.startswith("lower_"))
    upper = sorted(e.removeprefix("upper_") for e in entries if e.startswith("upper_"))
    ports: list[str] = []
    if "brif" in entries:
        ports = _listdir(d / "brif")
    elif "bonding" in entries:
        ports = (_text(d / "bonding" / "slaves") or "").split()
    driver = _driver(name)
    kind = _kind(entries, uevent.get("DEVTYPE"), dev_type, driver)
    used_by = sorted({*upper, *ports, *([master] if master else [])})
    return HostInterface(
        name=name,
        kind=kind,
        operstate=OperState(state) if state in OperState.__members__ else OperState.unknown,
        mac=mac if kind is not InterfaceKind.loopback and mac and mac != "00:00:00:00:00:00" else None,
        mtu=mtu,
        master=master,
        lower=lower,
        ports=sorted(ports),
        used_by=used_by,
        in_use=bool(used_by),
        driver=driver,
    )


def _kind(entries: set[str], devtype: str | None, dev_type: int, driver: str | None) -> InterfaceKind:
    if dev_type == ARPHRD_LOOPBACK:
        return InterfaceKind.loopback
    if "bridge" in entries or devtype == "bridge":
        return InterfaceKind.bridge
    if "bonding" in entries or devtype == "bond":
        return InterfaceKind.bond
    if "macvtap" in entries:
        return InterfaceKind.macvtap
    if "tun_flags" in entries:
        return InterfaceKind.tun if dev_type == ARPHRD_NONE else InterfaceKind.tap
    if devtype == "vlan":
        return InterfaceKind.vlan
    if devtype == "macvlan" or driver == "macvlan":
        return InterfaceKind.macvlan
    if "device" in entries:
        return InterfaceKind.physical
    if driver == "veth":
        return InterfaceKind.veth
    if driver == "openvswitch":
        return InterfaceKind.ovs
    return InterfaceKind.other


def _text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError as exc:
        if exc.errno == 22:  # EINVAL: e.g. operstate of a device without a carrier concept
            return None
        raise


def _uevent(path: Path) -> dict[str, str]:
    pairs = (line.partition("=") for line in (_text(path) or "").splitlines())
    return {k: v for k, _, v in pairs}


def _link_name(path: Path) -> str | None:
    try:
        return os.path.basename(os.readlink(path))
    except OSError:
        return None


def _listdir(path: Path) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _driver(name: str) -> str | None:
    """The kernel driver behind a device (``ethtool -i``), or None when it does not say."""
    buf = bytearray(_DRVINFO_SIZE)
    struct.pack_into("I", buf, 0, _ETHTOOL_GDRVINFO)
    cbuf = (ctypes.c_char * _DRVINFO_SIZE).from_buffer(buf)
    ifreq = struct.pack("16sP", name.encode(), ctypes.addressof(cbuf))
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            fcntl.ioctl(sock.fileno(), _SIOCETHTOOL, ifreq)
    except OSError:
        return None
    return bytes(buf[4:36]).split(b"\0", 1)[0].decode("ascii", "replace") or None
