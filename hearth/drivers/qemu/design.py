"""An instance's hardware: designed once with the designer, saved as domain XML, run by QEMU.

The domain XML in the instance's directory is its saved configuration: each start converts it
with ``machine_from_domain`` and adds the volumes attached at that time, so a design made here
would run the same under libvirt. The designer leaves controller numbering to libvirt; running
without libvirt, we number them the way libvirt does before saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hearth.designer import Designer
from hearth.domain import Disk, Domain, parse
from hearth.errors import BackendError, HearthError, NotFound, NotSupported, ValidationError
from hearth.qemu import Machine
from hearth.qemu import devices as dev
from hearth.qemu.accel import resolve
from hearth.qemu.from_domain import controller_indices, machine_from_domain
from hearth.vocab.disk_devices import FixedDiskDevice
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from . import hostnics
from .files import file_errors

DOMAIN_FILE = "domain.xml"
ARCH = "x86_64"
# Host-side extras machine_from_domain may leave out without changing what the guest sees; the
# display is this driver's to serve (``machine_for`` gives a VNC design its server).
_HARMLESS_SKIPS = ("channel ", "devices/graphics")


@dataclass(frozen=True)
class NicPlan:
    """One NIC to design (of the kinds the qemu driver runs: user, bridge, ovs, macvtap)."""

    kind: InterfaceType = InterfaceType.user
    source: str | None = None
    mode: MacvtapMode | None = None
    mac: str | None = None
    model: NicModel | None = None


@dataclass(frozen=True)
class Plan:
    """Everything the designer is told about one instance (all files already exist)."""

    instance_id: str
    os: str
    memory_mib: int | None
    vcpus: int | None
    disks: Sequence[Path]
    cdroms: Sequence[Path] = ()
    nics: Sequence[NicPlan] = field(default_factory=list)
    kernel: Path | None = None
    initrd: Path | None = None
    cmdline: str | None = None
    topology: tuple[int, int, int] | None = None  # sockets, cores, threads
    graphics: GraphicsType = GraphicsType.none


def design(plan: Plan) -> Domain:
    """The designed domain; an unknown OS is a ValidationError naming it."""
    domain_type = "kvm" if resolve("auto") == "kvm" else "qemu"
    designer = Designer(domain_type=domain_type, default_network=None)
    try:
        designer.setup(plan.os, ARCH, memory=plan.memory_mib, vcpus=plan.vcpus, graphics=plan.graphics)
    except NotFound as exc:
        raise ValidationError(f"unknown operating system {plan.os!r}: {exc.message}", os=plan.os) from None
    designer.set_name(plan.instance_id, plan.instance_id)
    if plan.topology is not None:
        designer.set_cpu_topology(*plan.topology)
    for disk in plan.disks:
        designer.add_disk(disk)
    for cdrom in plan.cdroms:
        designer.add_cdrom(cdrom)
    for nic in plan.nics:
        designer.add_interface(nic.kind, nic.source, mode=nic.mode, mac=nic.mac, model=nic.model)
    if plan.kernel is not None:
        designer.set_kernel(
            str(plan.kernel), str(plan.initrd) if plan.initrd is not None else None, plan.cmdline
        )
    domain = designer.build().domain
    number_controllers(domain)
    for iface in domain.devices.interfaces:
        if iface.mac:
            iface.alias = nic_alias(iface.mac)
    return domain


def nic_alias(mac: str) -> str:
    """A NIC's device id, derived from its MAC so it stays the same across restarts and edits.

    (libvirt's user aliases start with ``ua-``; machine_from_domain uses the alias as the id.)
    """
    return "ua-nic-" + mac.replace(":", "").lower()


def number_controllers(domain: Domain) -> None:
    """Write every controller's index (hearth.qemu's numbering) into the saved config, with root
    ports' chassis from their index, so ids and hot-plug slots stay stable across restarts."""
    for ctl, index in zip(list(domain.devices.controllers), controller_indices(domain), strict=True):
        ctl.index = index
        if ctl.model == "pcie-root-port" and ctl.target_chassis is None:
            ctl.target_chassis = index


def save(domain: Domain, instance_dir: Path) -> None:
    path = instance_dir / DOMAIN_FILE
    tmp = path.with_name(f".{DOMAIN_FILE}.tmp")
    with file_errors("saving the instance's configuration"):
        tmp.write_text(domain.to_xml())
        tmp.replace(path)


def saved_designs(instances_dir: Path) -> list[Domain]:
    """The saved designs of every instance of this driver (running or not): the qemu driver's
    "other domains on this host" when a new design's disks are checked against them."""
    found = []
    for path in sorted(instances_dir.glob(f"*/{DOMAIN_FILE}")):
        try:
            found.append(parse(path.read_bytes()))
        except (OSError, HearthError):  # being removed, or half-written: it holds no disk now
            continue
    return found


def load(instance_dir: Path) -> Domain:
    try:
        return parse((instance_dir / DOMAIN_FILE).read_bytes())
    except OSError as exc:
        raise BackendError(f"the saved configuration of the instance is unreadable: {exc.strerror}") from None


def root_disk(domain: Domain) -> Disk | None:
    """The first hard disk (what an image is captured from)."""
    return domain.devices.disks.find(lambda d: (d.device or FixedDiskDevice.disk) == FixedDiskDevice.disk)


def targets(domain: Domain) -> set[str]:
    """Device names the design itself uses (its disks and cdroms)."""
    return {d.target_dev for d in domain.devices.disks if d.target_dev}


def free_slots(domain: Domain, volumes: int) -> int:
    """Root ports left for one more NIC or volume, given ``volumes`` attached ones: the design's
    ports that no device sits on once it is placed as libvirt places it (USB, balloon, RNG and
    the virtio-serial controller take ports of their own on q35)."""
    machine = machine_from_domain(hostnics.as_taps(domain, domain.name or "")).machine
    return len(_free_ports(machine)) - sum(1 for d in machine.devices if _unplaced_nic(d)) - volumes


def _unplaced_nic(device: Mapping[str, object]) -> bool:
    return "netdev" in device and "bus" not in device


def _free_ports(machine: Machine) -> list[str]:
    """Root ports of ``machine`` no device is plugged into yet, in order."""
    taken = {str(d["bus"]) for d in machine.devices if "bus" in d}
    return [
        str(d["id"]) for d in machine.devices if d.get("driver") == "pcie-root-port" and d["id"] not in taken
    ]


@dataclass(frozen=True)
class VolumeDisk:
    device: str
    path: Path
    serial: str


def serial_of(volume_id: str) -> str:
    """What the guest sees as a volume's serial (virtio-blk keeps 20 characters), the same at
    every start and hot-plug."""
    return volume_id.replace("-", "")[:20]


def machine_for(
    domain: Domain,
    volumes: Sequence[VolumeDisk],
    nic_fds: Mapping[str, int] | None = None,
    *,
    console_socket: Path | None = None,
    vnc_socket: Path | None = None,
) -> Machine:
    """The QEMU machine for the saved design plus the attached volumes.

    The accelerator and CPU model are decided at each start (KVM may come or go). NICs and
    volumes sit behind root ports (NICs from the first, volumes from the last) so they can be
    hot-unplugged later; devices on the root bus cannot. ``nic_fds`` (MAC → open tap or macvtap)
    are the host devices ``hostnics`` made for the bridge, OVS and macvtap NICs. The serial
    port is served on ``console_socket`` (and still logged); a design with a VNC screen gets its
    server on ``vnc_socket``.
    """
    fds = dict(nic_fds or {})
    wanted = {n.mac for i in domain.devices.interfaces if (n := hostnics.host_nic(i)) is not None}
    if wanted != set(fds):
        raise BackendError(
            f"NICs {', '.join(sorted(wanted ^ set(fds)))} need a host device made for this start"
        )
    conversion = machine_from_domain(hostnics.as_taps(domain, domain.name or ""))
    lost = [s for s in conversion.skipped if not s.startswith(_HARMLESS_SKIPS)]
    if lost:
        raise NotSupported(f"the qemu driver cannot run this design: {'; '.join(lost)}", skipped=lost)
    machine = conversion.machine
    machine.vnc_socket = (
        vnc_socket if any(g.type == GraphicsType.vnc.value for g in domain.devices.graphics) else None
    )
    hostnics.use_fds(machine, fds)
    machine.console_socket = console_socket
    machine.accel = "auto"
    machine.cpu = None
    ports = _free_ports(machine)
    nics = [d for d in machine.devices if _unplaced_nic(d)]
    if len(nics) + len(volumes) > len(ports):
        raise BackendError(
            f"{len(nics)} NICs and {len(volumes)} volumes but only {len(ports)} slots to plug them into"
        )
    for nic, port in zip(nics, ports, strict=False):
        nic["bus"] = port
    for vol, port in zip(volumes, reversed(ports), strict=False):
        machine.add(dev.disk(vol.device, vol.path, fmt="qcow2", serial=vol.serial, controller_bus=port))
    return machine


def check_os(os_id: str) -> None:
    """Refuse an OS the designer does not know, when an image is registered rather than at boot."""
    try:
        Designer().setup(os_id, ARCH)
    except NotFound as exc:
        raise ValidationError(f"unknown operating system {os_id!r}: {exc.message}", os=os_id) from None
