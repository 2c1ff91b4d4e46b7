"""The designer: host facts in ("this disk file, this ISO URL, that network"), a domain out.

The application states only what it knows about the host; the designer picks the guest
hardware from the OS's osinfo data, following virt-install 4.1's policy so that a VM
designed here looks like one virt-install would create. Capabilities XML, when given,
refines the choices (canonical machine names, what the host's QEMU really offers).

Requests are recorded and validated as they come and turned into XML in ``build()``, so
the order of ``add_*`` calls and ``setup()`` does not matter.
"""

from __future__ import annotations

import copy
import os as _os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, Self

from lxml import etree

from hearth.designer.accel import default_domain_type
from hearth.designer.arch import Platform, normalise_arch, platform_for
from hearth.designer.imageformat import ImageInfo, inspect
from hearth.designer.inuse import disk_uses, refuse_disks_in_use
from hearth.designer.sources import NetworkSource, is_url, parse_url
from hearth.designer.targets import next_target
from hearth.designer.traits import LEGACY_NIC_PREFERENCE, GuestTraits, traits_of
from hearth.domain import (
    RNG,
    TPM,
    Channel,
    Console,
    Controller,
    Disk,
    DiskHost,
    Domain,
    Graphics,
    Input,
    Interface,
    MemBalloon,
    Video,
)
from hearth.errors import ValidationError
from hearth.osinfo.model import OS
from hearth.vocab import topology
from hearth.vocab.choice import choose
from hearth.vocab.disk_devices import DiskDevice, FixedDiskDevice, RemovableType
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.mac import check_mac, random_mac
from hearth.vocab.macvtap_modes import (
    DEFAULT_MACVTAP_MODE,
    AnyMacvtapMode,
    LibvirtOnlyMacvtapMode,
    MacvtapMode,
)
from hearth.vocab.nic_kinds import LIBVIRT_TYPE, OVS_VIRTUALPORT, InterfaceType, needs_source
from hearth.vocab.nic_models import AnyNicModel, LibvirtOnlyNicModel, NicModel

if TYPE_CHECKING:
    from hearth.domain import DomainCapabilities, HostCapabilities

LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0"
# ``setup(graphics=…)``: pick SPICE or VNC as the host allows (none where the platform has none).
AUTO = "auto"
PCIE_ROOT_PORTS = 14  # what virt-install adds: room for hotplug on PCIe machines
SKELETON_CACHE_SIZE = 64

# Setup-only parts of recent designs: copying ~50 elements beats rebuilding them every time.
_SKELETONS: dict[tuple[object, ...], tuple[etree._Element, tuple[str, ...]]] = {}
_SKELETONS_LOCK = threading.Lock()

ResourceLevel = Literal["recommended", "minimal"]


class OSLookup(Protocol):
    """Anything with ``get(short_id) -> OS``: the osinfo database, or a test's own table."""

    def get(self, short_id: str) -> OS: ...


@dataclass(slots=True)
class _DiskRequest:
    device: DiskDevice
    image: ImageInfo | None = None
    remote: NetworkSource | None = None
    shareable: bool = False


@dataclass(slots=True)
class _NicRequest:
    kind: InterfaceType
    source: str | None
    mode: AnyMacvtapMode | None
    mac: str
    model: AnyNicModel | None


@dataclass(slots=True)
class _Setup:
    os: OS
    arch: str
    resources: ResourceLevel = "recommended"
    memory_mib: int | None = None
    vcpus: int | None = None
    graphics: GraphicsType | None = None  # None: AUTO


@dataclass(slots=True)
class Design:
    """The result: the domain plus what the designer wants the user to know."""

    domain: Domain
    warnings: list[str] = field(default_factory=list)

    def to_xml(self) -> str:
        return self.domain.to_xml()


def interface_xml(
    kind: InterfaceType, source: str | None, mac: str, model: AnyNicModel | None, mode: AnyMacvtapMode | None
) -> Interface:
    """The ``<interface>`` of a NIC of ``kind`` on ``source``; no ``model`` leaves libvirt's default.

    Public because NICs added to a designed domain later must look the same (the drivers' NIC
    operations build theirs here).
    """
    iface = Interface(type=LIBVIRT_TYPE[kind])
    iface.mac = mac
    if kind is InterfaceType.network:
        iface.source_network = source
    elif kind in (InterfaceType.bridge, InterfaceType.ovs):
        iface.source_bridge = source
        if kind is InterfaceType.ovs:
            iface.virtualport_type = OVS_VIRTUALPORT
    elif kind is InterfaceType.macvtap:
        iface.source_dev = source
        iface.source_mode = mode
    if model is not None:
        iface.model = model
    return iface


class Designer:
    """Collects host facts; ``build()`` returns the designed domain.

    The defaults are ``hearth design``'s: a NIC on the ``default`` libvirt network unless a
    NIC is added or ``default_network=None`` (s390x gets none), the host's architecture, and
    the domain type ``HEARTH_ACCEL`` implies (``qemu`` under ``tcg``, else ``kvm``).

    This pure form opens no connection: what it knows of the host is what it is given
    (``host_caps``, ``domain_caps``, ``domain_type``, ``host_domains``). ``for_host`` reads all
    of that from a libvirt connection once.
    """

    def __init__(
        self,
        osdb: OSLookup | None = None,
        *,
        host_caps: HostCapabilities | None = None,
        domain_caps: DomainCapabilities | None = None,
        domain_type: str | None = None,
        default_network: str | None = "default",
        host_domains: Iterable[Domain] | None = None,
    ) -> None:
        self._osdb = osdb
        self._host_caps = host_caps
        self._domain_caps = domain_caps
        self._domain_type = domain_type if domain_type is not None else default_domain_type()
        # The other domains' disks, when the host is known: a design may not take one over.
        self._host_disks = disk_uses(host_domains) if host_domains is not None else None
        self._forced: set[str] = set()
        self._setup: _Setup | None = None
        self._disks: list[_DiskRequest] = []
        self._nics: list[_NicRequest] = []
        self._default_network: str | None = default_network
        self._kernel: tuple[str, str | None, str | None] | None = None
        self._name: str | None = None
        self._uuid: str | None = None
        self._topology: tuple[int, int, int] | None = None

    @classmethod
    def for_host(
        cls,
        conn_or_uri: object | str | None = None,
        osdb: OSLookup | None = None,
        *,
        domain_type: str | None = None,
    ) -> Designer:
        """A designer for one libvirt host, read once: capabilities, domain capabilities, the
        accelerator it really offers (``HEARTH_ACCEL=tcg`` honoured) and its domains' disks.

        ``conn_or_uri`` is an open ``libvirt.virConnect``, a URI, or None for libvirt's default;
        a connection this opens is closed again before returning. ``domain_type`` overrides
        the host's choice (as virt-install's ``--virt-type``).
        """
        from hearth.designer.host import read_host

        facts = read_host(conn_or_uri, domain_type)
        return cls(
            osdb,
            host_caps=facts.host_caps,
            domain_caps=facts.domain_caps,
            domain_type=facts.domain_type,
            host_domains=facts.domains,
        )

    # -- facts from the application -------------------------------------------------

    def setup(
        self,
        os: OS | str,
        arch: str | None = None,
        resources: ResourceLevel = "recommended",
        memory: int | None = None,
        vcpus: int | None = None,
        *,
        graphics: GraphicsType | str = AUTO,
    ) -> Self:
        """Choose the OS and how generous to be; ``memory`` is MiB, ``arch`` defaults to the host's."""
        if isinstance(os, str):
            if self._osdb is None:
                from hearth.osinfo import default_db

                self._osdb = default_db()
            os = self._osdb.get(os)
        if resources not in ("recommended", "minimal"):
            raise ValidationError(f"resources must be 'recommended' or 'minimal', not {resources!r}")
        if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int) or memory < 16):
            raise ValidationError(f"memory must be a whole number of MiB, at least 16, not {memory!r}")
        if vcpus is not None and (
            isinstance(vcpus, bool) or not isinstance(vcpus, int) or not 1 <= vcpus <= 4096
        ):
            raise ValidationError(f"vcpus must be a whole number from 1 to 4096, not {vcpus!r}")
        shown = None if graphics == AUTO else choose("graphics", graphics, (GraphicsType,), others=[AUTO])
        if arch is None and self._host_caps is not None:
            arch = self._host_caps.host_arch  # the host's, which need not be this machine's
        self._setup = _Setup(os, normalise_arch(arch), resources, memory, vcpus, shown)
        return self

    def set_name(self, name: str, uuid_: str | None = None) -> Self:
        if not name or len(name) > 200 or "/" in name or any(ord(c) < 32 for c in name):
            raise ValidationError(
                f"VM name {name!r} must be 1-200 characters without '/' or control characters"
            )
        self._name = name
        if uuid_ is not None:
            try:
                self._uuid = str(uuid.UUID(uuid_))
            except ValueError:
                raise ValidationError(f"UUID {uuid_!r} is not valid") from None
        return self

    def set_cpu_topology(self, sockets: int, cores: int, threads: int) -> Self:
        """Lay the vCPUs out as sockets x cores x threads (guest licensing and schedulers care);
        the product must equal the domain's vCPU count, checked in ``build()``."""
        for label, value in (("sockets", sockets), ("cores", cores), ("threads", threads)):
            problem = topology.level_problem(label, value)
            if problem is not None:
                raise ValidationError(problem, **{label: value})
        self._topology = (sockets, cores, threads)
        return self

    def add_disk(
        self, path: str | _os.PathLike[str], *, shareable: bool = False, force: bool = False
    ) -> Self:
        """A local image file or block device; its format comes from its header.

        Given a host, a disk another domain there uses is refused in ``build()`` unless both
        uses are ``shareable`` (cluster filesystems) or ``force`` says it is meant.
        """
        image = inspect(path)
        if image.is_iso:
            raise ValidationError(f"{image.path!r} is an ISO 9660 image: attach it with add_cdrom")
        self._disks.append(_DiskRequest(FixedDiskDevice.disk, image=image, shareable=shareable))
        if force:
            self._forced.add(image.path)
        return self

    def add_cdrom(self, location: str | _os.PathLike[str] | None) -> Self:
        """A local ISO, an http/https/ftp/ftps URL QEMU streams itself, or None for an empty drive."""
        cdrom = RemovableType.cdrom
        if location is None:
            self._disks.append(_DiskRequest(cdrom))
        elif isinstance(location, str) and is_url(location):
            self._disks.append(_DiskRequest(cdrom, remote=parse_url(location)))
        else:
            self._disks.append(_DiskRequest(cdrom, image=inspect(location)))
        return self

    def add_floppy(self, path: str | _os.PathLike[str]) -> Self:
        self._disks.append(_DiskRequest(RemovableType.floppy, image=inspect(path)))
        return self

    def add_interface(
        self,
        kind: InterfaceType | str,
        source: str | None = None,
        *,
        mode: str | None = None,
        mac: str | None = None,
        model: str | None = None,
    ) -> Self:
        """A NIC on a libvirt network, a Linux or OVS bridge, a macvtap host device, or user mode;
        ``kind`` may be given by name (the CLI's and scripts' strings), ``mode`` and ``model`` are
        libvirt's names (any libvirt knows, not only the contract's)."""
        nic_kind = choose("interface kind", kind, (InterfaceType,))
        if not needs_source(nic_kind):
            if source:
                raise ValidationError("a user-mode interface takes no source")
        elif not source or any(c.isspace() for c in source) or "/" in source:
            raise ValidationError(
                f"a {nic_kind.value} interface needs a source name without spaces or '/', got {source!r}"
            )
        if mode is not None and nic_kind is not InterfaceType.macvtap:
            raise ValidationError(f"mode applies to macvtap interfaces only, not {nic_kind.value}")
        macvtap_mode: AnyMacvtapMode | None = None
        if nic_kind is InterfaceType.macvtap:
            modes = (MacvtapMode, LibvirtOnlyMacvtapMode)
            macvtap_mode = choose("macvtap mode", mode, modes) if mode is not None else DEFAULT_MACVTAP_MODE
        nic_model: AnyNicModel | None = None
        if model is not None:
            nic_model = choose("NIC model", model, (NicModel, LibvirtOnlyNicModel))
        mac = check_mac(mac) if mac else random_mac()
        self._nics.append(_NicRequest(nic_kind, source, macvtap_mode, mac, nic_model))
        return self

    def add_default_network(self, network: str = "default") -> Self:
        """The NAT NIC a design gets when no NIC is added (the default already names
        ``default``); the arch policy may decline (s390x gets none)."""
        self._default_network = network
        return self

    def no_network(self) -> Self:
        """No NIC unless one is added (``hearth design --no-network``)."""
        self._default_network = None
        return self

    def set_kernel(self, kernel: str, initrd: str | None = None, cmdline: str | None = None) -> Self:
        """Direct kernel boot; the files must exist and be readable here."""
        for label, path in (("kernel", kernel), ("initrd", initrd)):
            if path is None:
                continue
            p = Path(path)
            if not p.is_file() or not _os.access(p, _os.R_OK):
                raise ValidationError(f"{label} {path!r} is not a readable file", **{label: path})
        if cmdline is not None and any(c in cmdline for c in "\n\r\x00"):
            raise ValidationError("kernel command line must be a single line")
        self._kernel = (
            str(Path(kernel).absolute()),
            str(Path(initrd).absolute()) if initrd else None,
            cmdline,
        )
        return self

    # -- the design -----------------------------------------------------------------

    def build(self) -> Design:
        if self._setup is None:
            raise ValidationError("no OS chosen: call setup(os) before build()")
        design = _Build(self, self._setup).run()
        if self._host_disks is not None:
            refuse_disks_in_use(design.domain, self._host_disks, force=self._forced)
        return design


class _Build:
    """One run of the policy over the recorded facts."""

    def __init__(self, designer: Designer, setup: _Setup) -> None:
        self.d = designer
        self.s = setup
        self.os = setup.os
        self.traits: GuestTraits = traits_of(setup.os)
        self.plat: Platform = platform_for(setup.arch)
        self.warnings: list[str] = []
        self.domain = Domain()

    # --- helpers over the optional capabilities ---
    def _caps_machines(self) -> list[str] | None:
        caps = self.d._host_caps
        guest = caps.guest(self.s.arch) if caps is not None else None
        return None if guest is None else guest.machine_names()

    def _canonical_machine(self, alias: str) -> str:
        caps = self.d._host_caps
        guest = caps.guest(self.s.arch) if caps is not None else None
        if guest is None:
            return alias
        for m in guest.machines:
            if m.name == alias and m.canonical:
                return m.canonical
        return alias

    def _domcaps_allows(self, section: str, enum: str, value: str) -> bool:
        dc = self.d._domain_caps
        return dc is None or value in dc.enum_values(section, enum)

    # --- decisions ---
    def machine(self) -> str:
        if self.plat.machine is not None:
            return self.plat.machine
        machines = self._caps_machines()
        if self.traits.q35 and self.plat.arch == "x86_64" and (machines is None or "q35" in machines):
            return "q35"
        return self._canonical_machine("pc")

    def domain_type(self) -> str:
        wanted = self.d._domain_type
        caps = self.d._host_caps
        guest = caps.guest(self.s.arch) if caps is not None else None
        if guest is not None and wanted == "kvm" and "kvm" not in [t.type for t in guest.domain_types]:
            self.warnings.append(
                "KVM is not available for this architecture on the host: using QEMU emulation"
            )
            return "qemu"
        return wanted

    def use_efi(self) -> bool:
        if self.d._kernel is not None:
            return False
        want = self.os.requires_efi(self.s.arch) or self.plat.efi_by_default
        if want and not self._domcaps_allows("os", "firmware", "efi"):
            if self.os.requires_efi(self.s.arch):
                raise ValidationError(
                    f"{self.os.name} requires UEFI firmware, which this host does not offer"
                )
            return False
        return want

    def memory_and_vcpus(self) -> tuple[int, int]:
        level = "recommended" if self.s.resources == "recommended" else "minimum"
        minimum = self.os.resources("minimum", self.s.arch)
        chosen = self.os.resources(level, self.s.arch)

        def pick(attr: str) -> int | None:
            val = getattr(chosen, attr) if chosen is not None else None
            if val:
                return int(val)
            low = getattr(minimum, attr) if minimum is not None else None
            if low and level == "recommended":
                return int(low) * 2  # virt-install's estimate when osinfo has only a minimum
            return int(low) if low else None

        mem_bytes = self.s.memory_mib * 2**20 if self.s.memory_mib is not None else pick("ram_bytes")
        if mem_bytes is None:
            raise ValidationError(
                f"osinfo has no memory figures for {self.os.short_id}: give the memory explicitly",
                os=self.os.short_id,
            )
        if minimum is not None and minimum.ram_bytes and mem_bytes < minimum.ram_bytes:
            low = minimum.ram_bytes // 2**20
            self.warnings.append(
                f"{mem_bytes // 2**20} MiB is below the {low} MiB minimum for {self.os.name}"
            )
        vcpus = self.s.vcpus if self.s.vcpus is not None else (pick("n_cpus") or 1)
        return mem_bytes // 1024, vcpus

    def graphics_type(self) -> GraphicsType | None:
        g = self.s.graphics
        if g is GraphicsType.none:
            return None
        if g is None:
            if not self.plat.graphics:
                return None
            spice = self._domcaps_allows("devices/graphics", "type", GraphicsType.spice)
            return GraphicsType.spice if spice else GraphicsType.vnc
        return g

    def disk_bus(self, device: DiskDevice) -> str:
        if device is RemovableType.floppy:
            return "fdc"
        if device is FixedDiskDevice.disk and self.traits.virtio_block:
            return "virtio"
        if device is RemovableType.cdrom and not self.plat.is_x86:
            return "scsi" if self.traits.virtio_scsi else "usb"
        if not self.plat.is_x86:
            return "scsi" if self.traits.virtio_scsi else "usb"
        return "sata" if self.machine() == "q35" else "ide"

    def nic_model(self) -> AnyNicModel | None:
        if self.traits.virtio_net:
            return NicModel.virtio
        if self.machine() == "q35":
            return NicModel.e1000e
        if not self.plat.is_x86:
            return None
        for pref in LEGACY_NIC_PREFERENCE:
            if pref in self.traits.net_models:
                return pref
        return NicModel.e1000

    def video_model(self, graphics: GraphicsType | None) -> str | None:
        if graphics is None:
            return None
        if not self.plat.is_x86:
            return "vga" if self.plat.machine == "pseries" else "virtio"
        if self.traits.virtio_gpu and self._domcaps_allows("devices/video", "modelType", "virtio"):
            return "virtio"
        if graphics is GraphicsType.spice and self._domcaps_allows("devices/video", "modelType", "qxl"):
            return "qxl"
        return "vga"

    # --- assembly ---
    def run(self) -> Design:
        """Copy (or build and remember) the setup-only skeleton, then add this request's parts."""
        key = self._skeleton_key()
        cached = _SKELETONS.get(key)
        if cached is None:
            self._skeleton()
            with _SKELETONS_LOCK:
                _SKELETONS[key] = (copy.deepcopy(self.domain.node), tuple(self.warnings))
                while len(_SKELETONS) > SKELETON_CACHE_SIZE:
                    _SKELETONS.pop(next(iter(_SKELETONS)))
        else:
            self.domain = Domain(copy.deepcopy(cached[0]))
            self.warnings = list(cached[1])
        dom = self.domain
        dom.name = self.d._name or f"{self.os.short_id}-{uuid.uuid4().hex[:8]}"
        dom.uuid = self.d._uuid or str(uuid.uuid4())
        self._apply_topology()
        if self.d._kernel is not None:
            kernel, initrd, cmdline = self.d._kernel
            dom.os.kernel = kernel
            dom.os.initrd = initrd
            dom.os.cmdline = cmdline
        else:
            has_cdrom = any(r.device is RemovableType.cdrom for r in self.d._disks)
            dom.os.set_boot_order(["hd", "cdrom"] if has_cdrom else ["hd"])
        self._request_devices()
        return Design(dom, self.warnings)

    def _apply_topology(self) -> None:
        if self.d._topology is None:
            return
        sockets, cores, threads = self.d._topology
        vcpus = self.domain.vcpus or 1
        problem = topology.topology_problem(vcpus, sockets=sockets, cores=cores, threads=threads)
        if problem is not None:
            raise ValidationError(
                f"CPU topology {problem} (the guest has {vcpus} vCPUs)",
                sockets=sockets,
                cores=cores,
                threads=threads,
                vcpus=vcpus,
            )
        cpu = self.domain.cpu
        cpu.sockets, cpu.cores, cpu.threads = sockets, cores, threads

    def _skeleton_key(self) -> tuple[object, ...]:
        s, d = self.s, self.d
        return (
            s.os.id, s.arch, s.resources, s.memory_mib, s.vcpus, s.graphics, d._domain_type,
            d._host_caps, d._domain_caps, d._kernel is None,
        )  # fmt: skip

    def _skeleton(self) -> None:
        """Everything that depends on the setup alone (not on disks, NICs or identity)."""
        dom, s, os_ = self.domain, self.s, self.os
        dom.type = self.domain_type()
        meta = etree.Element(f"{{{LIBOSINFO_NS}}}libosinfo", nsmap={"libosinfo": LIBOSINFO_NS})
        etree.SubElement(meta, f"{{{LIBOSINFO_NS}}}os", id=os_.id)
        dom.set_metadata(LIBOSINFO_NS, "libosinfo", meta)
        mem_kib, vcpus = self.memory_and_vcpus()
        dom.memory_kib = mem_kib
        dom.current_memory_kib = mem_kib
        dom.vcpus = vcpus
        machine = self.machine()
        dom.os.type = "hvm"
        dom.os.arch = s.arch
        dom.os.machine = machine
        efi = self.use_efi()
        if efi:
            dom.os.firmware = "efi"
        self._features_cpu_clock(machine)
        self._fixed_devices(machine, efi)

    def _features_cpu_clock(self, machine: str) -> None:
        dom, x86, kvm = self.domain, self.plat.is_x86, self.domain.type == "kvm"
        if x86:
            dom.features.acpi = True
            dom.features.apic = True
            if kvm and self.os.is_windows:
                dom.features.hyperv_relaxed = "on"
                dom.features.hyperv_vapic = "on"
                dom.features.hyperv_spinlocks = "on"
                dom.features.hyperv_spinlocks_retries = 8191
            dom.features.vmport_state = "off"
        elif self.plat.arch in ("aarch64", "armv7l", "riscv64"):
            dom.features.acpi = True
        dom.cpu.mode = "host-passthrough" if kvm else "maximum"
        clock = dom.clock
        clock.offset = "localtime" if self.os.is_windows or self.os.family == "solaris" else "utc"
        if x86:
            clock.set_timer("rtc", tickpolicy="catchup")
            clock.set_timer("pit", tickpolicy="delay")
            clock.set_timer("hpet", present=False)
            if kvm and self.os.is_windows:
                clock.set_timer("hypervclock", present=True)
            dom.pm_suspend_to_mem = False
            dom.pm_suspend_to_disk = False

    def _fixed_devices(self, machine: str, efi: bool) -> None:
        devs = self.domain.devices
        caps = self.d._host_caps
        guest = caps.guest(self.s.arch) if caps is not None else None
        if guest is not None and guest.emulator:
            devs.emulator = guest.emulator
        if self.plat.usb:
            if self.plat.is_x86 and not self.traits.usb3:
                for model in ("ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3"):
                    devs.controllers.append(Controller(type="usb", model=model))
            else:
                devs.controllers.append(Controller(type="usb", model="qemu-xhci", ports=15))
        if machine == "q35" or self.plat.pcie:
            devs.controllers.append(Controller(type="pci", model="pcie-root"))
            for _ in range(PCIE_ROOT_PORTS):
                devs.controllers.append(Controller(type="pci", model="pcie-root-port"))

        console = Console(type="pty")
        if self.plat.console_target:
            console.target_type = self.plat.console_target
        devs.consoles.append(console)
        if self.traits.virtio_serial:
            devs.channels.append(
                Channel(
                    type="unix",
                    source_mode="bind",
                    target_type="virtio",
                    target_name="org.qemu.guest_agent.0",
                )
            )

        gtype = self.graphics_type()
        if gtype is not None:
            if self.plat.usb:
                devs.inputs.append(Input(type="tablet", bus="usb"))
                if not self.plat.is_x86:
                    devs.inputs.append(Input(type="keyboard", bus="usb"))
            elif self.traits.virtio_input:
                devs.inputs.append(Input(type="tablet", bus="virtio"))
                devs.inputs.append(Input(type="keyboard", bus="virtio"))
            if gtype is GraphicsType.spice:
                devs.channels.append(
                    Channel(type="spicevmc", target_type="virtio", target_name="com.redhat.spice.0")
                )
            devs.graphics.append(Graphics(type=gtype, autoport=True))
            video = self.video_model(gtype)
            if video is not None:
                devs.videos.append(Video(model=video))

        if efi and self.s.arch in ("x86_64", "aarch64") and self._tpm_available():
            devs.tpms.append(
                TPM(
                    model="tpm-crb" if self.plat.is_x86 else "tpm-tis",
                    backend_type="emulator",
                    backend_version="2.0",
                )
            )
        if self.traits.virtio_balloon:
            devs.memballoon = MemBalloon(model="virtio")
        if self.traits.virtio_rng:
            devs.rngs.append(RNG(model="virtio", backend_model="random", backend_path="/dev/urandom"))

    def _request_devices(self) -> None:
        devs = self.domain.devices
        used: list[str] = []
        any_scsi = False
        for req in self.d._disks:
            disk = self._disk(req, used)
            any_scsi |= disk.target_bus == "scsi"
            devs.disks.append(disk)
        if any_scsi:
            devs.controllers.append(Controller(type="scsi", model="virtio-scsi"))
        nics = list(self.d._nics)
        if not nics and self.d._default_network is not None:
            if self.s.arch == "s390x":
                self.warnings.append("s390x guests get no default network; add one explicitly if wanted")
            else:
                network = self.d._default_network
                nics.append(_NicRequest(InterfaceType.network, network, None, random_mac(), None))
        for nic in nics:
            devs.interfaces.append(self._interface(nic))

    def _tpm_available(self) -> bool:
        dc = self.d._domain_caps
        return dc is None or "emulator" in dc.enum_values("devices/tpm", "backendModel")

    def _disk(self, req: _DiskRequest, used: list[str]) -> Disk:
        bus = self.disk_bus(req.device)
        disk = Disk(type="file", device=req.device)
        if req.remote is not None:
            r = req.remote
            disk.type = "network"
            disk.driver_name = "qemu"
            disk.driver_type = "raw"
            disk.source_protocol = r.protocol
            disk.source_name = r.name
            disk.source_query = r.query
            disk.source_hosts.append(DiskHost(name=r.host, port=r.port))
        elif req.image is not None:
            img = req.image
            disk.type = img.kind
            disk.driver_name = "qemu"
            disk.driver_type = img.format
            if img.kind == "block":
                disk.source_dev = img.path
                if req.device is FixedDiskDevice.disk:
                    disk.driver_cache = "none"
                    disk.driver_io = "native"
                    disk.driver_discard = "unmap"
            else:
                disk.source_file = img.path
        target = next_target(bus, used)
        used.append(target)
        disk.target_dev = target
        disk.target_bus = bus
        if req.device is RemovableType.cdrom:
            disk.readonly = True
        if req.shareable:
            disk.shareable = True
        return disk

    def _interface(self, nic: _NicRequest) -> Interface:
        return interface_xml(nic.kind, nic.source, nic.mac, nic.model or self.nic_model(), nic.mode)
