"""libvirt's x86 CPU map (``/usr/share/libvirt/cpu_map``) and its decoding of a CPU into a
named model plus feature flags.

A ``host-model`` CPU is not a QEMU concept: libvirt builds it by taking what the hypervisor's
widest CPU offers (TCG's ``max``, KVM's ``host``) and describing it as the map's closest model with the
features to add and to take away. The guest gets ``-cpu <model>,<feature>=on|off,...``. To run
the same guest without libvirt we read the same map libvirt reads and decode the same way
(libvirt 9.0's ``x86Decode``), so the CPU follows the installed libvirt and QEMU, not a copy.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from hearth.domain.xmlio import parse_element
from hearth.errors import NotSupported, ValidationError

CPU_MAP = Path("/usr/share/libvirt/cpu_map")
_VENDORS = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD", "HygonGenuine": "Hygon"}

# CPUID or MSR bits, keyed by where they sit: ("cpuid", leaf, subleaf, register) or ("msr", index, register).
Bits = dict[tuple[object, ...], int]


def _add(into: Bits, more: Mapping[tuple[object, ...], int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) | value


def _subtract(into: Bits, less: Mapping[tuple[object, ...], int]) -> None:
    for key, value in less.items():
        if key in into:
            into[key] &= ~value
            if not into[key]:
                del into[key]


def _contains(data: Mapping[tuple[object, ...], int], part: Mapping[tuple[object, ...], int]) -> bool:
    return bool(part) and all(data.get(key, 0) & value == value for key, value in part.items())


def _bits(el: etree._Element) -> Bits:
    out: Bits = {}
    for reg in el:
        if reg.tag == "cpuid":
            where: tuple[object, ...] = (int(reg.get("eax_in", "0"), 16), int(reg.get("ecx_in", "0"), 16))
            names: tuple[str, ...] = ("eax", "ebx", "ecx", "edx")
            kind = "cpuid"
        elif reg.tag == "msr":
            where, names, kind = (int(reg.get("index", "0"), 16),), ("eax", "edx"), "msr"
        else:
            continue
        for name in names:
            value = int(reg.get(name, "0"), 16)
            if value:
                out[(kind, *where, name)] = value
    return out


@dataclass(frozen=True)
class Feature:
    name: str
    bits: Bits
    qemu_names: tuple[str, ...]  # the names QEMU knows it by, libvirt's first


@dataclass
class Model:
    name: str
    vendor: str | None = None
    bits: Bits = field(default_factory=dict)
    signatures: list[tuple[int, int]] = field(default_factory=list)  # (family, model)
    removed: list[str] = field(default_factory=list)
    decode_guest: bool = True


@dataclass
class CpuMap:
    features: tuple[Feature, ...]  # in the map's order, which is the order libvirt lists them
    models: tuple[Model, ...]  # in the map's order; decoding walks it newest first
    by_name: dict[str, Feature] = field(init=False)  # by libvirt's and QEMU's names

    def __post_init__(self) -> None:
        self.by_name = {n: f for f in self.features for n in (f.name, *f.qemu_names)}

    def model(self, name: str) -> Model | None:
        return next((m for m in self.models if m.name == name), None)

    def bits_of(self, names: Iterable[str]) -> Bits:
        """The bits of the named features (names the map lacks have none)."""
        out: Bits = {}
        for name in names:
            feature = self.by_name.get(name)
            if feature is not None:
                _add(out, feature.bits)
        return out

    def names_in(self, data: Bits) -> list[str]:
        """The map's features whose bits ``data`` holds, each taken out once found (libvirt's
        ``x86DataToCPUFeatures``: an alias sharing bits is not listed twice)."""
        left = dict(data)
        out = []
        for feature in self.features:
            if _contains(left, feature.bits):
                _subtract(left, feature.bits)
                out.append(feature.name)
        return out


def qemu_name(name: str) -> str:
    """The name QEMU's ``-cpu`` knows a libvirt feature by (``fxsr_opt`` is ``fxsr-opt``)."""
    return {"pclmuldq": "pclmulqdq"}.get(name, name.replace("_", "-"))


@functools.cache
def load(root: Path = CPU_MAP) -> CpuMap:
    """The x86 part of the installed CPU map, read as libvirt reads it (``index.xml`` order)."""
    index = root / "index.xml"
    if not index.is_file():
        raise NotSupported(f"libvirt's CPU map is not installed ({index}); host-model needs it")
    arch = parse_element(index.read_bytes(), what=str(index)).find("arch[@name='x86']")
    files = [] if arch is None else [str(i.get("filename")) for i in arch.iter("include")]
    features: list[Feature] = []
    models: dict[str, Model] = {}
    for name in files:
        path = root / name
        for el in parse_element(path.read_bytes(), what=str(path)):
            if el.tag == "feature":
                aliases = tuple(str(a.get("name")) for a in el.iter("alias"))
                qemu = tuple(dict.fromkeys((qemu_name(str(el.get("name"))), *aliases)))
                features.append(Feature(str(el.get("name")), _bits(el), qemu))
            elif el.tag == "model":
                models[str(el.get("name"))] = _model(el, models, features)
    return CpuMap(tuple(features), tuple(models.values()))


def _model(el: etree._Element, known: Mapping[str, Model], features: Sequence[Feature]) -> Model:
    by_name = {f.name: f for f in features}
    out = Model(str(el.get("name")))
    for item in el:
        if item.tag == "model":  # a model built on another starts from all of it
            base = known[str(item.get("name"))]
            out.vendor, out.bits = base.vendor, dict(base.bits)
            out.signatures, out.removed = list(base.signatures), list(base.removed)
        elif item.tag == "vendor":
            out.vendor = item.get("name")
        elif item.tag == "signature":
            out.signatures.append((int(item.get("family", "0")), int(item.get("model", "0"))))
        elif item.tag == "decode":
            out.decode_guest = item.get("guest") != "off"
        elif item.tag == "feature" and item.get("removed") == "yes":
            out.removed.append(str(item.get("name")))  # libvirt turns these off, and counts them out
        elif item.tag == "feature":
            _add(out.bits, by_name[str(item.get("name"))].bits)
    return out


def removed_features(model: str, root: Path = CPU_MAP) -> list[str]:
    """Features QEMU's ``model`` has but libvirt's definition marks removed (libvirt turns them
    off, e.g. ``EPYC,monitor=off``); none when the map is not installed or lacks the model."""
    try:
        found = load(root).model(model)
    except (NotSupported, ValidationError):
        return []
    return [] if found is None else list(found.removed)


@dataclass(frozen=True)
class Decoded:
    model: str
    features: tuple[tuple[str, bool], ...]  # (libvirt name, on) in libvirt's order
    provided: frozenset[str]  # every feature the hypervisor's CPU has, by libvirt name


def host_model(cpu: Mapping[str, Any], blockers: Mapping[str, Sequence[str]], cpu_map: CpuMap) -> Decoded:
    """libvirt's host-model CPU for a hypervisor whose widest CPU expands to ``cpu`` (QEMU's
    ``query-cpu-model-expansion`` props), ``blockers`` being each model's unavailable features.

    The candidate models are walked newest first; a model of another vendor, or one libvirt does
    not decode guests into, is passed over; one whose signature matches the CPU's family and
    model wins over one that does not; otherwise the one needing fewer feature changes.
    """
    data = cpu_map.bits_of(k for k, v in cpu.items() if v is True)
    vendor = _VENDORS.get(str(cpu.get("vendor", "")))
    signature = (int(cpu.get("family", 0)), int(cpu.get("model", 0)))
    best: tuple[Model, list[tuple[str, bool]]] | None = None
    for model in reversed(cpu_map.models):
        if model.name not in blockers or not model.decode_guest:
            continue  # QEMU lacks it, or libvirt never names a guest CPU so
        if vendor and model.vendor and model.vendor != vendor:
            continue
        candidate = _as_model(data, model, blockers[model.name], cpu_map)
        if best is None or _better(model, candidate, best, signature):
            best = (model, candidate)
    if best is None:
        raise NotSupported("no CPU model of libvirt's CPU map describes this QEMU's CPU")
    provided = frozenset(f.name for f in cpu_map.features if _contains(data, f.bits))
    return Decoded(best[0].name, tuple(best[1]), provided)


def _better(
    model: Model,
    candidate: list[tuple[str, bool]],
    best: tuple[Model, list[tuple[str, bool]]],
    signature: tuple[int, int],
) -> bool:
    current_matches, candidate_matches = signature in best[0].signatures, signature in model.signatures
    if current_matches != candidate_matches:
        return candidate_matches
    return len(best[1]) > len(candidate)


def _as_model(data: Bits, model: Model, blockers: Sequence[str], cpu_map: CpuMap) -> list[tuple[str, bool]]:
    """``model`` plus what ``data`` has beyond it (on), minus what it lacks (off), then the
    features QEMU's model has that this QEMU cannot give (off too), as libvirt's ``x86DataToCPU``."""
    extra, missing = dict(data), dict(model.bits)
    _subtract(extra, model.bits)
    _subtract(missing, data)
    out = [(n, True) for n in cpu_map.names_in(extra)] + [(n, False) for n in cpu_map.names_in(missing)]
    named = {n for n, _ in out}
    for blocker in blockers:
        feature = cpu_map.by_name.get(blocker)
        if feature is not None and feature.name not in named:  # one libvirt does not know stays unnamed
            named.add(feature.name)
            out.append((feature.name, False))
    return out
