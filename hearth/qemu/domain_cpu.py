"""The guest CPU of a libvirt domain as libvirt builds it: model, feature flags, topology, NUMA.

Where the domain is silent libvirt's defaults apply (no ``<cpu>`` is ``qemu64``; ``<vcpu>N``
alone is N sockets of one core), because QEMU's own defaults differ and the guest would see
other hardware under the other driver. Flags are listed in libvirt's order (model flags,
then timers, then Hyper-V) so both command lines read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from hearth.domain import Domain
from hearth.domain.xmlbuilder import unit_factor
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import caps, cpu_map
from hearth.qemu.machine import CpuTopology
from hearth.qemu.properties import Backend, Scalar, Value

_ON = {"force": True, "require": True, "optional": True, "disable": False, "forbid": False}
_HYPERV = {
    "relaxed": "hv-relaxed",
    "vapic": "hv-vapic",
    "vpindex": "hv-vpindex",
    "runtime": "hv-runtime",
    "synic": "hv-synic",
    "stimer": "hv-stimer",
    "reset": "hv-reset",
    "frequencies": "hv-frequencies",
    "reenlightenment": "hv-reenlightenment",
    "tlbflush": "hv-tlbflush",
    "ipi": "hv-ipi",
    "evmcs": "hv-evmcs",
    "avic": "hv-avic",
}
MiB = 1024 * 1024


@dataclass
class GuestCpu:
    model: str
    props: dict[str, Scalar] = field(default_factory=dict)


def _on(value: str | None, where: str) -> bool:
    if value not in ("on", "off", "yes", "no"):
        raise ValidationError(f"{where} must be on or off, not {value!r}")
    return value in ("on", "yes")


def guest_cpu(domain: Domain) -> GuestCpu:
    """``-cpu``: the model and its flags."""
    root = domain.node
    cpu_el = root.find("cpu")
    mode = domain.cpu.mode
    model = domain.cpu.model
    if mode is None:
        mode = "custom"  # libvirt: <cpu match=...><model> without mode is custom
    out = GuestCpu("qemu64")
    absent: set[str] = set()  # optional features the host-model CPU lacks: off, as libvirt has them
    if mode == "custom":
        out.model = model or "qemu64"
        for name in cpu_map.removed_features(out.model):
            out.props[name] = False
    elif mode == "host-model":
        absent = _host_model(domain, out)
    elif mode == "host-passthrough":
        out.model = "host"
    elif mode == "maximum":
        out.model = "max"
    else:
        raise NotSupported(f"<cpu mode={mode!r}> is not supported by hearth.qemu", mode=mode)
    if cpu_el is not None and mode in ("host-passthrough", "maximum") and domain.cpu.migratable is not None:
        out.props["migratable"] = domain.cpu.migratable
    vendor_id = None if cpu_el is None else _attr(cpu_el, "model", "vendor_id")
    if vendor_id:
        out.props["vendor"] = vendor_id
    for feature in domain.cpu.features:
        if not feature.name:
            raise ValidationError("a <cpu><feature> has no name")
        out.props[feature.name] = _ON[feature.policy or "require"] and feature.name not in absent
    _timers(domain, out)
    _kvm_and_hyperv(domain, out)
    if cpu_el is not None:
        _cache_and_phys_bits(cpu_el, out)
    return out


def _host_model(domain: Domain, out: GuestCpu) -> set[str]:
    """libvirt's host-model CPU: the accelerator's widest CPU (TCG's ``max``, KVM's ``host``)
    described as the CPU map's closest model with features on and off
    (``EPYC,acpi=on,...,vme=off``), as ``virsh domcapabilities`` shows it."""
    accel = "kvm" if domain.type == "kvm" else "tcg"
    widest = caps.load().widest_cpus.get(accel)
    if widest is None:
        raise NotSupported(
            f"<cpu mode='host-model'> needs {accel} on this host to learn its CPU from; give"
            " mode='host-passthrough' or a custom model",
            mode="host-model",
        )
    the_map = cpu_map.load()
    decoded = cpu_map.host_model(widest.props, widest.blockers, the_map)

    def has(name: str) -> bool:
        feature = the_map.by_name.get(name)
        return feature is not None and feature.name in decoded.provided

    policies = [(str(f.name), f.policy or "require") for f in domain.cpu.features]
    # libvirt refuses these to start, in these words
    refused = "the CPU is incompatible with host CPU: Host CPU"
    if forbidden := [name for name, policy in policies if policy == "forbid" and has(name)]:
        raise ValidationError(f"{refused} provides forbidden features: {', '.join(forbidden)}")
    if missing := [name for name, policy in policies if policy == "require" and not has(name)]:
        raise ValidationError(f"{refused} does not provide required features: {', '.join(missing)}")
    out.model = decoded.model
    listed = {name for name, _ in decoded.features}
    for name in cpu_map.removed_features(decoded.model):
        if name not in listed:
            out.props[name] = False
    for name, on in decoded.features:
        out.props[cpu_map.qemu_name(name)] = on
    absent = {name for name, policy in policies if policy == "optional" and not has(name)}
    return absent


def _attr(parent: etree._Element, child: str, attr: str) -> str | None:
    el = parent.find(child)
    return None if el is None else el.get(attr)


def _timers(domain: Domain, out: GuestCpu) -> None:
    for timer in domain.clock.timers:
        if timer.name == "kvmclock" and timer.present is not None:
            out.props["kvmclock"] = timer.present
        elif timer.name == "hypervclock" and timer.present is not None:
            out.props["hv-time"] = timer.present


def _kvm_and_hyperv(domain: Domain, out: GuestCpu) -> None:
    features = domain.node.find("features")
    if features is None:
        return
    hidden = features.find("kvm/hidden")
    if hidden is not None and _on(hidden.get("state"), "<kvm><hidden state>"):
        out.props["kvm"] = False
    pmu = features.find("pmu")
    if pmu is not None:
        out.props["pmu"] = _on(pmu.get("state", "on"), "<pmu state>")
    hyperv = features.find("hyperv")
    if hyperv is None:
        return
    if hyperv.get("mode", "custom") == "passthrough":
        out.props["hv-passthrough"] = True
        return
    if hyperv.get("mode", "custom") != "custom":
        raise NotSupported(f"<hyperv mode={hyperv.get('mode')!r}> is not supported by hearth.qemu")
    for item in hyperv:
        if not isinstance(item.tag, str) or not _on(item.get("state"), f"<hyperv><{item.tag} state>"):
            continue
        if item.tag == "spinlocks":
            retries = int(item.get("retries", "4095"))
            out.props["hv-spinlocks"] = f"{retries:#x}"
        elif item.tag == "vendor_id":
            out.props["hv-vendor-id"] = item.get("value", "")
        elif item.tag in _HYPERV:
            if len(item):
                raise NotSupported(f"<hyperv><{item.tag}> sub-elements are not supported by hearth.qemu")
            out.props[_HYPERV[item.tag]] = True
        else:
            raise NotSupported(f"<hyperv><{item.tag}> is not supported by hearth.qemu")


def _cache_and_phys_bits(cpu_el: etree._Element, out: GuestCpu) -> None:
    cache = cpu_el.find("cache")
    if cache is not None:
        mode, level = cache.get("mode"), cache.get("level")
        if mode == "passthrough" and level is None:
            out.props["host-cache-info"] = True
        elif mode == "emulate" and level in (None, "3"):
            out.props["l3-cache"] = True
        elif mode == "disable" and level is None:
            out.props["l3-cache"] = False
        else:
            raise NotSupported(f"<cpu><cache mode={mode!r} level={level!r}> is not supported by hearth.qemu")
    phys = cpu_el.find("maxphysaddr")
    if phys is not None:
        mode, bits = phys.get("mode"), phys.get("bits")
        if mode == "emulate" and bits:
            out.props["phys-bits"] = int(bits)
        elif mode == "passthrough":
            out.props["host-phys-bits"] = True
            if bits:
                out.props["host-phys-bits-limit"] = int(bits)
        else:
            raise ValidationError(f"<maxphysaddr mode={mode!r}> needs mode emulate with bits, or passthrough")


def topology(domain: Domain, max_vcpus: int) -> CpuTopology:
    """``<cpu><topology>``, all of sockets, cores and threads (libvirt's rule); none given is
    ``max_vcpus`` sockets of one core each, as libvirt lays them out."""
    cpu = domain.cpu
    given = {"sockets": cpu.sockets, "cores": cpu.cores, "threads": cpu.threads}
    if all(v is None for v in given.values()) and cpu.dies is None:
        return CpuTopology(sockets=max_vcpus, cores=1, threads=1)
    missing = [k for k, v in given.items() if v is None]
    if missing:
        raise ValidationError(f"<cpu><topology> lacks {', '.join(missing)}", missing=missing)
    assert cpu.sockets is not None and cpu.cores is not None and cpu.threads is not None
    return CpuTopology(sockets=cpu.sockets, cores=cpu.cores, threads=cpu.threads, dies=cpu.dies or 1)


def round_up_mib(kib: int) -> int:
    """Memory as libvirt passes it: rounded up to a whole MiB (219100 KiB runs as 214 MiB)."""
    return -(-kib // 1024)


@dataclass
class Numa:
    nodes: list[dict[str, Value]]
    backends: list[Backend]
    memory_mib: int


_POLICIES = {"strict": "bind", "preferred": "preferred", "interleave": "interleave"}


def host_nodes(nodeset: str) -> list[int]:
    """libvirt's nodeset syntax (``0-2,^1,4``) as a sorted list of host NUMA nodes."""
    chosen: set[int] = set()
    dropped: set[int] = set()
    for part in (p.strip() for p in nodeset.split(",")):
        target = dropped if part.startswith("^") else chosen
        part = part.lstrip("^")
        try:
            low, _, high = part.partition("-")
            target.update(range(int(low), int(high or low) + 1))
        except ValueError:
            raise ValidationError(f"nodeset {nodeset!r} is not a list of NUMA node ranges") from None
    return sorted(chosen - dropped)


def _placement(el: etree._Element | None, where: str) -> dict[str, Value]:
    """``host-nodes`` and ``policy`` of one numatune element, as libvirt sets them on a backend."""
    if el is None:
        return {}
    mode = el.get("mode", "strict")
    if el.get("placement", "static") != "static" or mode not in _POLICIES or not el.get("nodeset"):
        raise NotSupported(
            f"{where} (mode {mode!r}, placement {el.get('placement', 'static')!r}) is not supported by"
            " hearth.qemu (a static nodeset with mode strict, preferred or interleave is)"
        )
    return {"host-nodes": host_nodes(str(el.get("nodeset"))), "policy": _POLICIES[mode]}


def numa(domain: Domain, skipped: list[str]) -> Numa | None:
    """Guest NUMA cells: one RAM backend and one ``-numa node`` per ``<cell>``, placed on the
    host nodes ``<numatune>`` names (per cell by ``<memnode>``, else by ``<memory>``)."""
    cells = domain.node.findall("cpu/numa/cell")
    tune = domain.node.find("numatune")
    if not cells:
        if tune is not None:
            skipped.append(
                "numatune: without guest NUMA cells libvirt places memory with cgroups;"
                " hearth.qemu leaves it to the host (the guest sees the same memory)"
            )
        return None
    default = _placement(None if tune is None else tune.find("memory"), "<numatune><memory>")
    per_cell = {
        str(m.get("cellid")): _placement(m, f"<numatune><memnode cellid={m.get('cellid')!r}>")
        for m in ([] if tune is None else tune.findall("memnode"))
    }
    nodes: list[dict[str, Value]] = []
    backends: list[Backend] = []
    total = 0
    for i, cell in enumerate(cells):
        node_id = int(cell.get("id", str(i)))
        try:
            size = int(cell.get("memory", "")) * unit_factor(cell.get("unit", "KiB"))
            kib = -(-size // 1024)  # libvirt rounds a cell up to whole KiB, then to whole MiB
        except ValueError:
            raise ValidationError(f"NUMA cell {node_id} has no valid memory size") from None
        mib = round_up_mib(kib)
        total += mib
        props: dict[str, Value] = {
            "qom-type": "memory-backend-ram",
            "id": f"ram-node{node_id}",
            "size": mib * MiB,
        }
        props.update(per_cell.get(str(node_id), default))
        access = cell.get("memAccess")
        if access is not None:
            if access not in ("shared", "private"):
                raise ValidationError(f"NUMA cell {node_id} memAccess must be shared or private")
            props["share"] = access == "shared"
        backends.append(Backend("object", props))
        node: dict[str, Value] = {"nodeid": node_id}
        cpus = cell.get("cpus")
        if cpus:
            node["cpus"] = cpus.split(",")
        node["memdev"] = f"ram-node{node_id}"
        nodes.append(node)
    return Numa(nodes, backends, total)
