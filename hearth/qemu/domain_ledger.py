"""Proof that a conversion dropped nothing: every node of the domain is translated, skipped or refused.

The converter reads the ``hearth.domain`` model, which never complains about what it does not
know; that is what let elements vanish silently. This walk looks at the raw tree instead:
each element path is one the converter translates (with the attributes it reads), one whose
absence the guest or its user notices (``SKIP``: a display, audio output), one that has no
effect on a QEMU process at all (``IGNORE``: metadata, libvirt's own policies), or none of
these, which is refused with NotSupported naming the path. So a new element in a user's domain
is a clear refusal until someone teaches the converter what it means.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from hearth.errors import NotSupported

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
TEXT = "#text"

# Devices whose <alias> (a libvirt name, never guest-visible) may appear, and those whose
# <address> the converter places (pci, drive, usb, virtio-serial, as the device takes).
_ALIASED = (
    "disk", "controller", "interface", "serial", "console", "parallel", "channel", "video",
    "memballoon", "rng", "watchdog", "smartcard", "hub", "redirdev", "vsock", "input", "sound",
)  # fmt: skip
_ADDRESSED = (
    "disk", "controller", "interface", "video", "memballoon", "rng", "watchdog", "vsock", "iommu",
    "input", "sound", "channel",
)  # fmt: skip
_ADDRESS = "type domain bus slot function multifunction controller target unit port"

# Element path (tags from below <domain>, "/"-joined) -> attributes read; TEXT: its text too.
TRANSLATED: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "": "type",
        "name": TEXT,
        "uuid": TEXT,
        "genid": TEXT,
        "memory": f"unit {TEXT}",
        "currentMemory": f"unit {TEXT}",
        "memoryBacking": "",
        "memoryBacking/locked": "",
        "memoryBacking/nosharepages": "",
        "vcpu": f"current {TEXT}",
        "os": "firmware",
        "os/type": f"arch machine {TEXT}",
        "os/firmware": "",
        "os/firmware/feature": "enabled name",
        "os/loader": f"readonly secure type {TEXT}",
        "os/nvram": f"template {TEXT}",
        "os/kernel": TEXT,
        "os/initrd": TEXT,
        "os/cmdline": TEXT,
        "os/boot": "dev",
        "os/bootmenu": "enable timeout",
        "features": "",
        "features/acpi": "",
        "features/apic": "",
        "features/pae": "",
        "features/vmport": "state",
        "features/smm": "state",
        "features/pmu": "state",
        "features/vmcoreinfo": "state",
        "features/ioapic": "driver",
        "features/kvm": "",
        "features/kvm/hidden": "state",
        "features/hyperv": "mode",
        **{
            f"features/hyperv/{name}": "state"
            for name in (
                "relaxed",
                "vapic",
                "vpindex",
                "runtime",
                "synic",
                "stimer",
                "reset",
                "frequencies",
                "reenlightenment",
                "tlbflush",
                "ipi",
                "evmcs",
                "avic",
            )
        },
        "features/hyperv/spinlocks": "state retries",
        "features/hyperv/vendor_id": "state value",
        "cpu": "mode migratable",
        "cpu/model": f"vendor_id {TEXT}",
        "cpu/topology": "sockets dies cores threads",
        "cpu/feature": "policy name",
        "cpu/maxphysaddr": "mode bits",
        "cpu/cache": "mode level",
        "cpu/numa": "",
        "cpu/numa/cell": "id cpus memory unit memAccess",
        "numatune": "",
        "numatune/memory": "mode nodeset placement",
        "numatune/memnode": "cellid mode nodeset",
        "clock": "offset adjustment basis timezone start",
        "clock/timer": "name present tickpolicy track",
        "on_poweroff": TEXT,
        "on_reboot": TEXT,
        "on_crash": TEXT,
        "pm": "",
        "pm/suspend-to-mem": "enabled",
        "pm/suspend-to-disk": "enabled",
        "devices": "",
        "devices/emulator": TEXT,
        "devices/disk": "type device",
        "devices/disk/driver": "name type cache io discard detect_zeroes",
        "devices/disk/source": "file dev",
        "devices/disk/target": "dev bus tray",
        "devices/disk/readonly": "",
        "devices/disk/shareable": "",
        "devices/disk/serial": TEXT,
        "devices/disk/boot": "order",
        "devices/controller": "type index model ports",
        "devices/controller/model": "name",
        "devices/controller/target": "chassis port",
        "devices/controller/master": "startport",
        "devices/interface": "type",
        "devices/interface/mac": "address",
        "devices/interface/source": "network bridge dev mode",
        "devices/interface/target": "dev",
        "devices/interface/model": "type",
        "devices/interface/boot": "order",
        "devices/serial": "type",
        "devices/serial/source": "path",
        "devices/serial/target": "type port",
        "devices/serial/target/model": "name",
        "devices/console": "type",
        "devices/console/source": "path",
        "devices/console/target": "type port",
        "devices/parallel": "type",
        "devices/parallel/source": "path",
        "devices/parallel/target": "port",
        "devices/channel": "type",
        "devices/channel/source": "mode path",
        "devices/channel/target": "type name",
        "devices/video": "",
        "devices/video/model": "type vram ram vgamem heads primary",
        "devices/memballoon": "model autodeflate freePageReporting",
        "devices/rng": "model",
        "devices/rng/backend": f"model {TEXT}",
        "devices/watchdog": "model action",
        "devices/smartcard": "mode type",
        "devices/hub": "type",
        "devices/redirdev": "bus type",
        "devices/iommu": "model",
        "devices/panic": "model",
        "devices/vsock": "model",
        "devices/input": "type bus",
        "devices/sound": "model",
        "devices/sound/codec": "type",
        "devices/audio": "id type",
        "devices/vsock/cid": "auto address",
        **{f"devices/{d}/alias": "name" for d in _ALIASED},
        **{f"devices/{d}/address": _ADDRESS for d in _ADDRESSED},
        "qemu:commandline": "",
        "qemu:commandline/qemu:arg": "value",
        "qemu:commandline/qemu:env": "name value",
    }.items()
}

# Element path -> what is left out; reported in Conversion.skipped (the caller decides).
SKIP: dict[str, str] = {
    "devices/graphics": "hearth.qemu runs without a display (the video device is there)",
}
# Element path -> why it has no effect on the QEMU process; reported in Conversion.ignored.
IGNORE: dict[str, str] = {
    "title": "a label for people, not for QEMU",
    "description": "a note for people, not for QEMU",
    "metadata": "application data kept in the document, not for QEMU",
    "cpu/vendor": "libvirt only checks it against the host CPU",
    "cputune": "host scheduling policy applied by libvirt (cgroups), not guest hardware",
    "memtune": "host memory limits applied by libvirt (cgroups), not guest hardware",
    "blkiotune": "host I/O weights applied by libvirt (cgroups), not guest hardware",
    "resource": "the libvirt resource partition (cgroup), not guest hardware",
    "seclabel": "libvirt's security driver labels (SELinux/AppArmor/DAC) for the QEMU process",
    "on_lockfailure": "libvirt lock manager policy",
    "devices/memballoon/stats": "statistics polling is done by libvirt over QMP",
}
# Attributes with no effect on the QEMU process (path -> attribute -> why); in Conversion.ignored.
IGNORE_ATTRS: dict[str, dict[str, str]] = {
    "": {"id": "the id of a running libvirt domain"},
    "cpu": {
        "match": "libvirt's check of the model against the host CPU",
        "check": "libvirt's check of the guest CPU against the host",
    },
    "cpu/model": {"fallback": "libvirt's choice when the host cannot run the model"},
    "vcpu": {"placement": "host CPU placement by libvirt", "cpuset": "host CPU pinning by libvirt"},
}
# Attributes with no effect on QEMU, accepted wherever they appear.
_ANY_ATTR = frozenset({"{http://www.w3.org/XML/1998/namespace}base"})


def _tag(el: etree._Element) -> str:
    qname = etree.QName(el)
    return f"qemu:{qname.localname}" if qname.namespace == QEMU_NS else str(el.tag)


def walk(root: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """(path, element) for every element below ``root`` that is not inside a skipped one."""
    stack: list[tuple[str, etree._Element]] = [("", root)]
    while stack:
        path, el = stack.pop()
        yield path, el
        if path in SKIP or path in IGNORE:
            continue
        for child in reversed(list(el)):
            if isinstance(child.tag, str):
                stack.append((f"{path}/{_tag(child)}".lstrip("/"), child))


def account(root: etree._Element) -> tuple[list[str], list[str]]:
    """The skipped and the ignored parts (``path: reason``) of ``root``; NotSupported for the
    first node nobody handles."""
    skipped: list[str] = []
    ignored: list[str] = []
    for path, el in walk(root):
        where = f"<domain>/{path}" if path else "<domain>"
        if path in SKIP:
            skipped.append(f"{path}: {SKIP[path]}")
            continue
        if path in IGNORE:
            ignored.append(f"{path}: {IGNORE[path]}")
            continue
        known = TRANSLATED.get(path)
        if known is None:
            raise NotSupported(f"{where} is not supported by hearth.qemu", element=path)
        inert = IGNORE_ATTRS.get(path, {})
        for attr in map(str, el.attrib):
            if attr in inert:
                ignored.append(f"{path}/@{attr}".lstrip("/") + f": {inert[attr]}")
            elif attr not in known and attr not in _ANY_ATTR:
                raise NotSupported(
                    f"{where}/@{attr!s} is not supported by hearth.qemu", element=path, attribute=str(attr)
                )
        if (el.text or "").strip() and TEXT not in known:
            raise NotSupported(f"{where} text is not supported by hearth.qemu", element=path)
    return skipped, ignored
