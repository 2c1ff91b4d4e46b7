"""The host side of network, bridge, Open vSwitch and macvtap NICs: made by the driver, handed to QEMU.

As libvirt does it: a NIC on a Linux bridge or an OVS bridge gets a tap device of its own, on
that bridge (or added as an OVS port), a NIC on one of the driver's networks a tap on the
network's bridge (``hostnets.bridge_name``); a macvtap NIC gets a macvtap device on the host interface.
QEMU opens nothing itself: the driver opens the device and passes the descriptor, on the command
line at start (``-netdev tap,fd=N``) and over QMP with SCM_RIGHTS on hot-plug (``getfd``).

Device names come from the instance id and the MAC (``hqt``/``hqm`` and 12 hex digits, within
the kernel's 15 characters), so a driver that restarted finds the devices of the NICs in the saved
design with no record of its own. A tap lives as long as a descriptor is open on it, so it goes
with QEMU (or with ``netdev_del``); OVS ports and macvtaps outlive QEMU, so they are removed when
the NIC is unplugged and whenever the instance is seen stopped, idempotently.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from hearth.domain import Domain, Interface, parse
from hearth.errors import BackendError, HearthError, ValidationError
from hearth.host.nic_sources import local_nic_source_problem
from hearth.qemu import Machine
from hearth.qemu.properties import Backend
from hearth.vocab.macvtap_modes import DEFAULT_MACVTAP_MODE, MacvtapMode
from hearth.vocab.nic_kinds import HOST_DEVICE_KINDS, InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL, NicModel

from ..interfaces import nic_kind, nic_source
from . import hostnets, tapdevs

_PREFIX = {
    InterfaceType.network: "hqt",
    InterfaceType.bridge: "hqt",
    InterfaceType.ovs: "hqt",
    InterfaceType.macvtap: "hqm",
}
# The kinds whose NIC is a device of the host the driver makes: a network's NIC is a tap too.
TAPPED_KINDS = (*HOST_DEVICE_KINDS, InterfaceType.network)


@dataclass(frozen=True)
class HostNic:
    """One NIC's host side, as the saved design describes it."""

    kind: InterfaceType
    source: str
    mac: str
    mode: MacvtapMode | None = None
    virtio: bool = True  # the guest model; a virtio NIC exchanges virtio-net headers with the tap

    def device(self, instance_id: str) -> str:
        digest = hashlib.sha256(f"{instance_id}/{self.mac}".encode()).hexdigest()[:12]
        return _PREFIX[self.kind] + digest

    @property
    def host_mac(self) -> str:
        """A tap's own MAC: the guest's with the first byte 0xfe, as libvirt does, so a bridge
        never takes a guest's tap address as its own (it picks the lowest of its ports)."""
        return "fe" + self.mac[2:] if self.kind is not InterfaceType.macvtap else self.mac


def host_nic(iface: Interface) -> HostNic | None:
    """The host side ``iface`` needs, or None (user-mode NICs need none)."""
    kind = nic_kind(iface)
    if kind not in TAPPED_KINDS:
        return None
    source = nic_source(iface)
    if not source or not iface.mac:
        raise BackendError(f"the saved {kind.value} NIC {iface.mac or '(no MAC)'} has no source or MAC")
    mode = macvtap_mode(iface) if kind is InterfaceType.macvtap else None
    return HostNic(
        kind, source, iface.mac.lower(), mode, (iface.model or DEFAULT_NIC_MODEL) == NicModel.virtio
    )


def macvtap_mode(iface: Interface) -> MacvtapMode:
    """A macvtap NIC's mode (bridge unless the design says); modes Hearth does not run are refused."""
    try:
        return MacvtapMode(iface.source_mode or DEFAULT_MACVTAP_MODE)
    except ValueError:
        raise BackendError(
            f"the macvtap NIC {iface.mac} is in mode {iface.source_mode!r}; the qemu driver runs "
            f"{', '.join(m.value for m in MacvtapMode)}"
        ) from None


def check_source(kind: InterfaceType, source: str | None) -> None:
    """A bridge, OVS or macvtap NIC's host device must exist and fit (the rule templates and the
    libvirt driver apply too), a network's bridge must be up; ValidationError naming it otherwise."""
    if kind is InterfaceType.network:
        if source is not None and not tapdevs.exists(hostnets.bridge_name(source)):
            raise ValidationError(f"network {source!r} does not exist", network=source)
        return
    if kind not in HOST_DEVICE_KINDS or source is None:
        return
    problem = local_nic_source_problem(kind, source)
    if problem is not None:
        raise ValidationError(problem, source=source, type=kind.value)


def open_device(instance_id: str, nic: HostNic) -> int:
    """Make the NIC's host device and return the descriptor QEMU gets (the caller closes its copy
    once QEMU has it). A device of that name left over from an earlier run is replaced. Failure is
    a BackendError naming the NIC and its source, with nothing of it left on the host."""
    try:
        return _open_device(instance_id, nic)
    except HearthError as exc:
        raise BackendError(
            f"cannot make the host side of {nic.kind.value} NIC {nic.mac} on {nic.source}: {exc.message}",
            mac=nic.mac,
            source=nic.source,
        ) from None


def _open_device(instance_id: str, nic: HostNic) -> int:
    name = nic.device(instance_id)
    remove_device(instance_id, nic)
    if nic.kind is InterfaceType.macvtap:
        assert nic.mode is not None
        tapdevs.add_macvtap(name, nic.source, nic.mode.value, nic.mac)
        try:
            return tapdevs.open_macvtap(name, vnet_hdr=nic.virtio)
        except BaseException:
            tapdevs.delete_link(name)
            raise
    fd = tapdevs.open_tap(name, vnet_hdr=nic.virtio)
    try:
        if nic.kind is InterfaceType.network:
            tapdevs.join_bridge(name, hostnets.bridge_name(nic.source), nic.host_mac)
        elif nic.kind is InterfaceType.bridge:
            tapdevs.join_bridge(name, nic.source, nic.host_mac)
        else:
            tapdevs.bring_up(name, nic.host_mac)
            _ovs_port(instance_id, nic, nic.source)
    except BaseException:
        os.close(fd)  # the tap goes with it
        with contextlib.suppress(HearthError):
            remove_device(instance_id, nic)
        raise
    return fd


def move(instance_id: str, nic: HostNic, bridge: str) -> None:
    """Put a running NIC's tap on another (Linux or OVS) bridge, or network; the guest keeps its link."""
    name = nic.device(instance_id)
    if nic.kind is InterfaceType.network:
        tapdevs.join_bridge(name, hostnets.bridge_name(bridge), nic.host_mac)
    elif nic.kind is InterfaceType.bridge:
        tapdevs.join_bridge(name, bridge, nic.host_mac)
    elif nic.kind is InterfaceType.ovs:
        tapdevs.ovs_del_port(name)
        _ovs_port(instance_id, nic, bridge)
    else:
        raise BackendError(f"a {nic.kind.value} NIC has no bridge to move to")


def _ovs_port(instance_id: str, nic: HostNic, bridge: str) -> None:
    name = nic.device(instance_id)
    tapdevs.ovs_add_port(bridge, name, mac=nic.mac, iface_id=f"{instance_id}/{nic.mac}", vm_id=instance_id)


def remove_device(instance_id: str, nic: HostNic) -> None:
    """Take the NIC's host device away (nothing there is fine)."""
    name = nic.device(instance_id)
    if nic.kind is InterfaceType.ovs:
        tapdevs.ovs_del_port(name)
    tapdevs.delete_link(name)


def release(instance_id: str, domain: Domain) -> None:
    """Remove the host devices of every NIC in ``domain``; the first failure is raised after
    the others were tried."""
    failed: BackendError | None = None
    for iface in domain.devices.interfaces:
        try:
            nic = host_nic(iface)
            if nic is not None:
                remove_device(instance_id, nic)
        except HearthError as exc:
            failed = failed or BackendError(f"removing the host side of NIC {iface.mac}: {exc.message}")
    if failed is not None:
        raise failed


@contextmanager
def opened(instance_id: str, domain: Domain) -> Iterator[dict[str, int]]:
    """MAC → descriptor for every host-backed NIC of ``domain``, made for a start; our copies are
    closed on exit, and on failure the devices are removed again."""
    fds: dict[str, int] = {}
    nics = [n for i in domain.devices.interfaces if (n := host_nic(i)) is not None]
    for nic in nics:  # a bridge or device may have gone since the NIC was added: say which
        check_source(nic.kind, nic.source)
    try:
        for nic in nics:
            fds[nic.mac] = open_device(instance_id, nic)
        yield fds
    except BaseException:
        for fd in fds.values():
            os.close(fd)
        fds.clear()
        with contextlib.suppress(HearthError):
            release(instance_id, domain)
        raise
    finally:
        for fd in fds.values():
            os.close(fd)


def as_taps(domain: Domain, instance_id: str) -> Domain:
    """A copy of ``domain`` in which each host-backed NIC is what QEMU sees of it: an ethernet NIC
    on its prepared tap (libvirt's own meaning of ``type='ethernet'``). The guest side (model,
    MAC, boot order, alias) is untouched, so it converts to the same guest device."""
    copy = parse(domain.to_xml())
    for iface in copy.devices.interfaces:
        nic = host_nic(iface)
        if nic is None:
            continue
        iface.type = "ethernet"
        iface.source_bridge = iface.source_dev = iface.source_mode = iface.source_network = None
        iface.virtualport_type = None
        iface.target_dev = nic.device(instance_id)
    return copy


def use_fds(machine: Machine, fds: Mapping[str, int]) -> None:
    """Point each host-backed NIC's netdev at its descriptor (by MAC) and let QEMU inherit it."""
    by_id = {str(d["netdev"]): str(d.get("mac", "")).lower() for d in machine.devices if "netdev" in d}
    wired: set[str] = set()
    for i, backend in enumerate(machine.backends):
        mac = by_id.get(backend.id, "") if backend.kind == "netdev" else ""
        if mac in fds:
            machine.backends[i] = Backend("netdev", tap_netdev(backend.id, str(fds[mac])))
            machine.pass_fds.append(fds[mac])
            wired.add(mac)
    missing = set(fds) - wired
    if missing:
        raise BackendError(f"NICs {', '.join(sorted(missing))} have a host device but no QEMU netdev")


def tap_netdev(netdev_id: str, fd: str) -> dict[str, str | int | bool]:
    """A tap netdev reading and writing descriptor ``fd`` (a number, or a name given to ``getfd``)."""
    return {"type": "tap", "id": netdev_id, "fd": fd}
