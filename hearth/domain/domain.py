"""Typed view of a libvirt ``<domain>`` document: identity, resources, os, cpu, clock, features."""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from hearth.domain.devices import Devices
from hearth.domain.formats import check_uuid
from hearth.domain.xmlbuilder import (
    Bool,
    Flag,
    Int,
    Scaled,
    Section,
    Str,
    XMLChildren,
    XMLObject,
    insert_ordered,
)
from hearth.errors import ValidationError

LIFECYCLE_ACTIONS = ("destroy", "restart", "preserve", "rename-restart")
CRASH_ACTIONS = (*LIFECYCLE_ACTIONS, "coredump-destroy", "coredump-restart")  # only on_crash dumps core
BOOT_DEVICES = ("hd", "cdrom", "fd", "network")


# libvirt clamps (memory) or refuses (vCPUs) a current value above its maximum, silently in the
# first case; the model keeps current <= maximum itself and refuses a current above the maximum.
def _lower_current_memory(dom: Domain, kib: int) -> None:
    current = dom.current_memory_kib
    if current is not None and current > kib:
        dom.current_memory_kib = kib


def _current_memory_fits(dom: Domain, kib: int) -> None:
    top = dom.memory_kib
    if top is not None and kib > top:
        raise ValidationError(
            f"domain current_memory_kib ({kib}) cannot exceed memory_kib ({top}): raise the maximum first",
            field="current_memory_kib",
            value=kib,
            maximum=top,
        )


def _lower_current_vcpus(dom: Domain, count: int) -> None:
    current = dom.vcpus_current
    if current is not None and current > count:
        dom.vcpus_current = count


def _current_vcpus_fit(dom: Domain, text: str) -> None:
    top, count = dom.vcpus, int(text)
    if top is not None and count > top:
        raise ValidationError(
            f"domain vcpus_current ({count}) cannot exceed vcpus ({top}): raise the maximum first",
            field="vcpus_current",
            value=count,
            maximum=top,
        )


class BootDev(XMLObject):
    TAG = "boot"
    dev = Str("@dev", choices=BOOT_DEVICES)


class OSConfig(XMLObject):
    """``<os>``: guest type, arch, machine, firmware, loader/nvram, direct kernel boot, boot order."""

    TAG = "os"
    ORDER = (
        "type", "firmware", "loader", "nvram", "kernel", "initrd", "cmdline", "shim", "dtb", "acpi",
        "boot", "bootmenu", "smbios", "bios", "init", "initarg", "initenv", "initdir",
    )  # fmt: skip

    type = Str("./type", doc="hvm, xen, linux (Xen PV), exe (containers)")
    arch = Str("./type/@arch")
    machine = Str("./type/@machine")
    firmware = Str("@firmware", doc="efi or bios: ask libvirt to pick a matching firmware")
    firmware_secure_boot = Bool("./firmware/feature[@name='secure-boot']/@enabled")
    firmware_enrolled_keys = Bool("./firmware/feature[@name='enrolled-keys']/@enabled")
    loader = Str("./loader", doc="path of the firmware image")
    loader_readonly = Bool("./loader/@readonly")
    loader_type = Str("./loader/@type", doc="rom or pflash")
    loader_secure = Bool("./loader/@secure")
    nvram = Str("./nvram")
    nvram_template = Str("./nvram/@template")
    kernel = Str("./kernel")
    initrd = Str("./initrd")
    cmdline = Str("./cmdline")
    dtb = Str("./dtb")
    init = Str("./init", doc="init binary of a container (os type exe)")
    boot_devices = XMLChildren(BootDev)
    bootmenu_enable = Bool("./bootmenu/@enable")

    def set_boot_order(self, devices: list[str]) -> None:
        """Replace the ``<boot dev>`` list (firmware boot order)."""
        for old in list(self.boot_devices):
            old.remove()
        for dev in devices:
            self.boot_devices.append(BootDev(dev=dev))


class CPUFeature(XMLObject):
    TAG = "feature"
    policy = Str("@policy", choices=("force", "require", "optional", "disable", "forbid"))
    name = Str("@name")


class CPU(XMLObject):
    TAG = "cpu"
    ORDER = ("model", "vendor", "topology", "cache", "maxphysaddr", "feature", "numa")
    mode = Str("@mode", choices=("custom", "host-model", "host-passthrough", "maximum"))
    match = Str("@match")
    check = Str("@check")
    migratable = Bool("@migratable", true="on", false="off")
    model = Str("./model")
    model_fallback = Str("./model/@fallback")
    vendor = Str("./vendor")
    sockets = Int("./topology/@sockets")
    dies = Int("./topology/@dies")
    cores = Int("./topology/@cores")
    threads = Int("./topology/@threads")
    features = XMLChildren(CPUFeature)


class Timer(XMLObject):
    TAG = "timer"
    name = Str("@name")
    present = Bool("@present")
    tickpolicy = Str("@tickpolicy")


class Clock(XMLObject):
    TAG = "clock"
    offset = Str("@offset", choices=("utc", "localtime", "timezone", "variable", "absolute"))
    timezone = Str("@timezone")
    timers = XMLChildren(Timer)

    def set_timer(self, name: str, *, present: bool | None = None, tickpolicy: str | None = None) -> Timer:
        timer = self.timers.find(lambda t: t.name == name) or self.timers.append(Timer(name=name))
        if present is not None:
            timer.present = present
        if tickpolicy is not None:
            timer.tickpolicy = tickpolicy
        return timer


class Features(XMLObject):
    """``<features>``: presence flags plus the few with attributes the designer sets."""

    TAG = "features"
    ORDER = (
        "acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "xen", "pvspinlock",
        "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm",
        "nested-hv", "msrs", "ccf-assist", "cfpc", "sbbc", "ibs", "tcg", "async-teardown",
    )  # fmt: skip
    acpi = Flag("./acpi")
    apic = Flag("./apic")
    pae = Flag("./pae")
    hap = Flag("./hap")
    vmcoreinfo = Flag("./vmcoreinfo")
    vmport_state = Str("./vmport/@state", choices=("on", "off"))
    smm_state = Str("./smm/@state", choices=("on", "off"))
    gic_version = Str("./gic/@version")
    ioapic_driver = Str("./ioapic/@driver")
    kvm_hidden_state = Str("./kvm/hidden/@state", choices=("on", "off"))
    hyperv_mode = Str("./hyperv/@mode")
    hyperv_relaxed = Str("./hyperv/relaxed/@state", choices=("on", "off"))
    hyperv_vapic = Str("./hyperv/vapic/@state", choices=("on", "off"))
    hyperv_spinlocks = Str("./hyperv/spinlocks/@state", choices=("on", "off"))
    hyperv_spinlocks_retries = Int("./hyperv/spinlocks/@retries")


class Domain(XMLObject):
    """A libvirt domain. Unknown elements and attributes are kept in place."""

    TAG = "domain"
    ORDER: ClassVar[tuple[str, ...]] = (
        "name", "uuid", "genid", "title", "description", "metadata", "maxMemory", "memory",
        "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu", "vcpus", "iothreads",
        "iothreadids", "cputune", "numatune", "resource", "sysinfo", "bootloader", "bootloader_args",
        "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot", "on_crash",
        "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap", "launchSecurity",
    )  # fmt: skip

    type = Str("@type", doc="hypervisor: kvm, qemu, xen, lxc, test, …")
    id = Int("@id")
    name = Str("./name")
    uuid = Str("./uuid", check=check_uuid("uuid"))
    title = Str("./title")
    description = Str("./description")
    max_memory_kib = Scaled("./maxMemory", "KiB")
    max_memory_slots = Int("./maxMemory/@slots")
    memory_kib = Scaled("./memory", "KiB", "the maximum at boot", on_set=_lower_current_memory)
    current_memory_kib = Scaled(
        "./currentMemory", "KiB", "what the balloon leaves the guest", check=_current_memory_fits
    )
    hugepages = Flag("./memoryBacking/hugepages")
    memory_source_type = Str("./memoryBacking/source/@type")
    memory_access_mode = Str("./memoryBacking/access/@mode")
    vcpus = Int("./vcpu", doc="the maximum vCPU count", on_set=_lower_current_vcpus)
    vcpus_current = Int("./vcpu/@current", doc="vCPUs online at boot", check=_current_vcpus_fit)
    vcpu_placement = Str("./vcpu/@placement")
    iothreads = Int("./iothreads")
    bootloader = Str("./bootloader")
    on_poweroff = Str("./on_poweroff", choices=LIFECYCLE_ACTIONS)
    on_reboot = Str("./on_reboot", choices=LIFECYCLE_ACTIONS)
    on_crash = Str("./on_crash", choices=CRASH_ACTIONS)
    pm_suspend_to_mem = Bool("./pm/suspend-to-mem/@enabled")
    pm_suspend_to_disk = Bool("./pm/suspend-to-disk/@enabled")

    os = Section(OSConfig)
    features = Section(Features)
    cpu = Section(CPU)
    clock = Section(Clock)
    devices = Section(Devices)

    @property
    def memory_mib(self) -> int | None:
        """The maximum memory in MiB; setting it lowers currentMemory to fit.

        Rounded up, as libvirt hands it to QEMU (219100 KiB runs as ``-m 214``): the MiB the
        guest gets, which is what a listing of the instance should say.
        """
        kib = self.memory_kib
        return None if kib is None else -(-kib // 1024)

    @memory_mib.setter
    def memory_mib(self, mib: int | None) -> None:
        if mib is not None and (isinstance(mib, bool) or not isinstance(mib, int) or mib < 0):
            raise ValidationError(
                f"domain memory_mib must be a non-negative integer, not {mib!r}", field="memory_mib"
            )
        self.memory_kib = None if mib is None else mib * 1024

    def metadata(self, namespace: str) -> etree._Element | None:
        """The application element under ``<metadata>`` in ``namespace`` (libvirt keeps one per URI)."""
        root = self.lookup()
        meta = None if root is None else root.find("metadata")
        if meta is None:
            return None
        return next(
            (el for el in meta if isinstance(el.tag, str) and el.tag.startswith(f"{{{namespace}}}")), None
        )

    def set_metadata(self, namespace: str, prefix: str, element: etree._Element) -> None:
        """Put ``element`` (re-homed into ``namespace``) under ``<metadata>``, replacing the old one."""
        old = self.metadata(namespace)
        meta = self.node.find("metadata")
        if meta is None:
            meta = etree.Element("metadata")
            insert_ordered(self.node, meta, self.ORDER)
        fresh = etree.Element(f"{{{namespace}}}{etree.QName(element).localname}", nsmap={prefix: namespace})
        for key, value in element.attrib.items():
            fresh.set(key, value)
        fresh.text = element.text
        for child in element:
            fresh.append(child)
        if old is not None:
            meta.replace(old, fresh)
        else:
            meta.append(fresh)
