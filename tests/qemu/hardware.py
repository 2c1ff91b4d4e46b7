"""The virtual hardware a running (paused) QEMU reports, in a form two QEMUs can be compared by.

Both sides are asked the same QMP questions, through whatever channel reaches them (hearth's
own QMP client, or libvirt's qemuMonitorCommand), and the answers are reduced to facts that
do not depend on who named the devices: CPU model and CPUID words, topology, memory, device
types with the properties that carry timers and power states, firmware and boot order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

Execute = Callable[[str, dict[str, Any] | None], Any]

# Bridges and root ports libvirt adds on its own to give every PCI device an address.
AUTO_PCI = {"pcie-root-port", "pcie-pci-bridge", "pci-bridge"}
# Device properties that carry the timers and power states compared.
_PROPS = {
    "mc146818rtc": ("lost_tick_policy", "base_year"),
    "kvm-pit": ("lost_tick_policy",),
    "isa-pit": ("lost_tick_policy",),
    "PIIX4_PM": ("disable_s3", "disable_s4"),
    "cfi.pflash01": ("secure", "name"),
    "qemu-xhci": ("p2", "p3"),
    "isa-serial": ("index",),
    "virtserialport": ("name",),
    # the guest's write cache flag (WCE) on disks
    "virtio-blk-pci": ("write-cache",),
    "scsi-hd": ("write-cache",),
    "ide-hd": ("write-cache",),
    # video memory and heads: what the guest's driver sizes its framebuffers by
    "qxl-vga": ("ram_size", "vram_size", "vram64_size_mb", "vgamem_mb", "max_outputs"),
    "qxl": ("ram_size", "vram_size", "vram64_size_mb", "vgamem_mb", "max_outputs"),
    "VGA": ("vgamem_mb",),
    "bochs-display": ("vgamem",),
    "virtio-vga": ("max_outputs",),
    "virtio-gpu-pci": ("max_outputs",),
}
_CPU_PROPS = ("model-id", "family", "model", "stepping", "vendor", "phys-bits", "host-phys-bits", "l3-cache")
_DEV = re.compile(r"^(\s*)dev: ([^,]+), id \"(.*)\"")
_PROP = re.compile(r"^\s*([\w.-]+) = (.*)$")


def qtree(text: str) -> list[tuple[str, dict[str, str]]]:
    """``info qtree`` as (device type, {property: value}) in tree order."""
    out: list[tuple[str, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        dev = _DEV.match(line)
        if dev:
            current = {}
            out.append((dev.group(2), current))
            continue
        prop = _PROP.match(line)
        if prop and current is not None:
            current.setdefault(prop.group(1), prop.group(2).strip())
        elif line.strip().startswith("bus:"):
            current = None
    return out


# QOM-only properties (not in ``info qtree``), read by qom-get from the board's devices.
_QOM_PROPS = {"ICH9-LPC": ("disable_s3", "disable_s4", "noreboot")}


def qom_props(execute: Execute) -> dict[str, dict[str, Any]]:
    """The _QOM_PROPS of the board devices under /machine/unattached, by type."""
    out: dict[str, dict[str, Any]] = {}
    for child in execute("qom-list", {"path": "/machine/unattached"}):
        kind = str(child.get("type", ""))[6:-1]
        if kind in _QOM_PROPS:
            path = f"/machine/unattached/{child['name']}"
            out[kind] = {p: execute("qom-get", {"path": path, "property": p}) for p in _QOM_PROPS[kind]}
    return out


_BUS = re.compile(r"^(\s*)bus: (\S+)")
# ``info usb``: which port each USB device is plugged into (the guest enumerates by port)
_USB = re.compile(r"Port (\S+), Speed [^,]+, Product ([^,\r\n]+)")


def pci_placement(text: str) -> list[tuple[str, str, str]]:
    """(bus, addr, device type) of every PCI device in ``info qtree``: which port or bridge each
    device sits behind (``query-pci`` cannot see behind a root port before firmware runs)."""
    out: list[tuple[str, str, str]] = []
    buses: list[tuple[int, str]] = []
    current: tuple[str, str] | None = None
    for line in text.splitlines():
        bus = _BUS.match(line)
        if bus:
            depth = len(bus.group(1))
            buses = [b for b in buses if b[0] < depth] + [(depth, bus.group(2))]
            current = None
            continue
        dev = _DEV.match(line)
        if dev:
            depth = len(dev.group(1))
            buses = [b for b in buses if b[0] < depth]
            current = (buses[-1][1] if buses else "", dev.group(2))
            continue
        prop = _PROP.match(line)
        if prop and current is not None and prop.group(1) == "addr":
            out.append((current[0], prop.group(2).strip(), current[1]))
            current = None
    return sorted(out)


def _hmp(execute: Execute, command: str) -> str:
    return str(execute("human-monitor-command", {"command-line": command}))


def facts(execute: Execute) -> dict[str, Any]:
    """Everything compared, as plain JSON-able values."""
    cpus = execute("query-cpus-fast", None)
    cpu_path = cpus[0]["qom-path"]
    cpu: dict[str, Any] = {"type": cpus[0].get("target"), "words": None}
    for prop in _CPU_PROPS:
        cpu[prop] = execute("qom-get", {"path": cpu_path, "property": prop})
    words = execute("qom-get", {"path": cpu_path, "property": "feature-words"})
    cpu["words"] = sorted(
        (w.get("cpuid-input-eax"), w.get("cpuid-input-ecx", -1), w.get("cpuid-register"), w["features"])
        for w in words
    )
    topology = sorted(tuple(sorted((k, v) for k, v in c.get("props", {}).items())) for c in cpus)
    hotpluggable = execute("query-hotpluggable-cpus", None)
    memory = execute("query-memory-size-summary", None)
    memdevs = sorted(
        (d["size"], tuple(d.get("host-nodes", [])), d.get("policy")) for d in execute("query-memdev", None)
    )
    tree_text = _hmp(execute, "info qtree")
    tree = qtree(tree_text)
    types = Counter(t for t, _ in tree)
    endpoints = Counter({t: n for t, n in types.items() if t not in AUTO_PCI})
    props = sorted((t, tuple((k, p.get(k)) for k in _PROPS[t])) for t, p in tree if t in _PROPS)
    machine: dict[str, Any] = {}
    for prop in ("type", "acpi", "smm", "vmport", "hpet", "kernel-irqchip"):  # type: the versioned board
        try:
            machine[prop] = execute("qom-get", {"path": "/machine", "property": prop})
        except Exception:  # a property this board does not have
            machine[prop] = None
    roms = sorted(re.findall(r'name="([^"]+)"', _hmp(execute, "info roms")))
    usb = sorted(_USB.findall(_hmp(execute, "info usb")))
    return {
        "cpu": cpu,
        "topology": {"cpus": topology, "max": len(hotpluggable)},
        "memory": {"base": memory["base-memory"], "numa": memdevs if len(memdevs) > 1 else []},
        "devices": dict(sorted(endpoints.items())),
        "usb": usb,
        "pci_bridges": {t: n for t, n in sorted(types.items()) if t in AUTO_PCI},
        "pci_layout": [_pci_layout(execute), pci_placement(tree_text)],
        "device_props": props,
        "board_props": qom_props(execute),
        "machine": machine,
        "firmware": {"roms": roms, "flash": _flash(execute)},
        "boot": _boot(execute),
    }


def _pci_layout(execute: Execute) -> list[tuple[int, int, int, int, int, int]]:
    """Every PCI function as (bus, slot, function, class, vendor, device): where each device sits."""
    out: list[tuple[int, int, int, int, int, int]] = []

    def walk(devices: list[dict[str, Any]]) -> None:
        for d in devices:
            ids = d.get("id", {})
            out.append(
                (
                    d["bus"],
                    d["slot"],
                    d["function"],
                    d["class_info"]["class"],
                    ids.get("vendor"),
                    ids.get("device"),
                )
            )
            bridge = d.get("pci_bridge")
            if bridge:
                walk(bridge.get("devices", []))

    for bus in execute("query-pci", None):
        walk(bus["devices"])
    return sorted(out)


def _flash(execute: Execute) -> list[tuple[str, bool]]:
    """The pflash images: code by file name, vars by being writable (their paths differ)."""
    out = set()
    for node in execute("query-named-block-nodes", {"flat": True}):
        name = str(node.get("file", ""))
        if node.get("drv") != "file" or not name.endswith(".fd"):
            continue
        shipped = name.startswith("/usr/share/")
        out.add((name.rsplit("/", 1)[-1] if shipped else "(vars)", shipped))
    return sorted(out)


def _boot(execute: Execute) -> list[tuple[str, int]]:
    """(device type, bootindex) of every device that has one."""
    out: list[tuple[str, int]] = []
    for folder in ("/machine/peripheral", "/machine/peripheral-anon"):
        for child in execute("qom-list", {"path": folder}):
            kind = str(child.get("type", ""))
            if not kind.startswith("child<"):
                continue
            path = f"{folder}/{child['name']}"
            names = {p["name"] for p in execute("qom-list", {"path": path})}
            if "bootindex" in names:
                index = execute("qom-get", {"path": path, "property": "bootindex"})
                if index is not None and index >= 0:
                    out.append((kind[6:-1], index))
    return sorted(out)


# Compared and reported apart (Outcome.pci_layout_same): where each PCI device sits.
APART = ("pci_bridges", "pci_layout")


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """The compared aspects that differ (APART ones are reported on their own)."""
    keys = dict.fromkeys([*ours, *theirs])
    return [key for key in keys if key not in APART and ours.get(key) != theirs.get(key)]
