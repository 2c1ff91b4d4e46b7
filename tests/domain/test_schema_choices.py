"""Every closed set in hearth.domain is the one libvirt's installed RELAX NG schema declares.

So a value libvirt accepts (``ssh`` disks, ``vhostuser`` sources) is one the model writes, and
one neither knows is refused on write, with the allowed values named. ``MIRRORS`` says, for
each closed set, the (schema file, element path/attribute or ``<define>``) it mirrors; where the
model knowingly differs from the installed schema, each differing value carries its reason.
The schemas ship in Debian's ``libvirt0`` (``dpkg -S /usr/share/libvirt/schemas/domain.rng``),
listed in scripts/system-packages.txt.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest
from lxml import etree

import hearth.domain as model
from hearth.domain.devices import (
    Address,
    Channel,
    Console,
    Disk,
    Graphics,
    Hostdev,
    Interface,
    MemBalloon,
    Parallel,
    Serial,
    Video,
)
from hearth.domain.domain import CPU, Domain, OSConfig, Timer
from hearth.domain.network import Network
from hearth.domain.xmlbuilder import BoolConv, XMLObject, XMLProperty
from hearth.errors import ValidationError
from tests.domain.rng_schema import SCHEMAS, Grammar

# Values later libvirt added to its schema, which the installed 9.0 one lacks. The model takes
# them so a domain libvirt >= 9.x writes round-trips and can be edited (its test corpus has them).
_VDPA = "vDPA block device (<disk type='vhostvdpa'>), in libvirt's schema after 9.0"
_SSH = "ssh network disk served by nbdkit (<source protocol='ssh'>), in libvirt's schema after 9.0"


@dataclass(frozen=True)
class Mirror:
    """Where one closed set of the model lives in libvirt's schema, and why the two may differ.

    ``place`` is an element path with ``@attr`` (``disk/source/@protocol``), an element path
    whose text is the value (``domain/on_crash``), or ``define:NAME`` for a named pattern.
    ``extra`` are values the model writes though the installed schema may lack them;
    ``missing`` values the schema has and the model refuses; each maps a value to its reason.
    """

    label: str  # Class.property that enforces the set on write
    schema: str
    place: str
    constant: str | None = None  # the module constant holding the set, if it has a name
    extra: Mapping[str, str] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    setup: Mapping[str, str] = field(default_factory=dict)  # properties set first (checks that depend)


MIRRORS: tuple[Mirror, ...] = (
    Mirror("Disk.type", "domain.rng", "disk/@type", "DISK_TYPES", extra={"vhostvdpa": _VDPA}),
    Mirror("Disk.device", "domain.rng", "disk/@device", "ALL_DISK_DEVICES"),
    Mirror(
        "Disk.source_protocol",
        "domain.rng",
        "disk/source/@protocol",
        "NETWORK_DISK_PROTOCOLS",
        extra={"ssh": _SSH},
    ),
    Mirror("Interface.type", "domain.rng", "interface/@type", "INTERFACE_TYPES"),
    Mirror("Interface.link_state", "domain.rng", "interface/link/@state"),
    Mirror(
        "Interface.source_mode",
        "domain.rng",
        "define:bridgeMode",  # <interface type='direct'><source mode>; other types' modes differ
        "MACVTAP_MODES",
        setup={"type": "direct"},
    ),
    Mirror("BootDev.dev", "domain.rng", "os/boot/@dev", "BOOT_DEVICES"),
    Mirror("CPU.mode", "domain.rng", "cpu/@mode"),
    Mirror("CPUFeature.policy", "domain.rng", "cpu/feature/@policy"),
    Mirror("Clock.offset", "domain.rng", "clock/@offset"),
    Mirror("Domain.on_poweroff", "domain.rng", "domain/on_poweroff", "LIFECYCLE_ACTIONS"),
    Mirror("Domain.on_reboot", "domain.rng", "domain/on_reboot", "LIFECYCLE_ACTIONS"),
    Mirror("Domain.on_crash", "domain.rng", "domain/on_crash", "CRASH_ACTIONS"),
    Mirror("Features.vmport_state", "domain.rng", "features/vmport/@state"),
    Mirror("Features.smm_state", "domain.rng", "features/smm/@state"),
    Mirror("Features.kvm_hidden_state", "domain.rng", "features/kvm/hidden/@state"),
    Mirror("Features.hyperv_relaxed", "domain.rng", "features/hyperv/relaxed/@state"),
    Mirror("Features.hyperv_vapic", "domain.rng", "features/hyperv/vapic/@state"),
    Mirror("Features.hyperv_spinlocks", "domain.rng", "features/hyperv/spinlocks/@state"),
    Mirror("Network.forward_mode", "network.rng", "network/forward/@mode", "FORWARD_MODES"),
    Mirror("NetworkIP.family", "network.rng", "network/ip/@family"),
    Mirror("StoragePool.type", "storagepool.rng", "pool/@type", "POOL_TYPES"),
)

# Classes with yes/no or on/off properties: the grammar and element path of their element.
BOOL_HOLDERS: dict[type[XMLObject], tuple[str, str]] = {
    Address: ("domain.rng", "address"),
    CPU: ("domain.rng", "cpu"),
    Serial: ("domain.rng", "serial"),
    Console: ("domain.rng", "console"),
    Channel: ("domain.rng", "channel"),
    Parallel: ("domain.rng", "parallel"),
    Disk: ("domain.rng", "disk"),
    Domain: ("domain.rng", "domain"),
    Graphics: ("domain.rng", "graphics"),
    Hostdev: ("domain.rng", "hostdev"),
    Interface: ("domain.rng", "interface"),
    MemBalloon: ("domain.rng", "memballoon"),
    Network: ("network.rng", "network"),
    OSConfig: ("domain.rng", "os"),
    Timer: ("domain.rng", "timer"),
    Video: ("domain.rng", "video"),
}
_BY_LABEL = {m.label: m for m in MIRRORS}
_GRAMMARS: dict[str, Grammar] = {}
_UNKNOWN = "not-a-libvirt-value"


@pytest.fixture(scope="module", autouse=True)
def _schemas_installed() -> None:
    if not (SCHEMAS / "domain.rng").is_file():
        pytest.fail(
            f"libvirt's schemas are missing from {SCHEMAS}: install libvirt0 (scripts/system-packages.txt)"
        )


def _grammar(name: str) -> Grammar:
    return _GRAMMARS.setdefault(name, Grammar(name))


def _split(place: str) -> tuple[list[str], str | None]:
    path, _, attr = place.partition("/@")
    return path.split("/"), attr or None


def _schema_values(mirror: Mirror) -> set[str]:
    grammar = _grammar(mirror.schema)
    if mirror.place.startswith("define:"):
        values = grammar.define_values(mirror.place.removeprefix("define:"))
    else:
        values = grammar.values(*_split(mirror.place))
    assert values is not None, f"{mirror.label}: the schema leaves {mirror.place} open, the model closes it"
    return values


def _prop(label: str) -> tuple[type[XMLObject], XMLProperty[str]]:
    cls_name, name = label.split(".")
    classes = {c.__name__: c for c in _domain_classes()}
    prop = getattr(classes[cls_name], name)
    assert isinstance(prop, XMLProperty)
    return classes[cls_name], prop


def _model_values(mirror: Mirror) -> set[str]:
    _cls, prop = _prop(mirror.label)
    if prop.choices is not None:
        return set(prop.choices)
    assert mirror.constant is not None, f"{mirror.label} enforces no choices and names no constant"
    return set(_constants()[mirror.constant])


@functools.cache
def _domain_classes() -> tuple[type[XMLObject], ...]:
    """Every element class of hearth.domain (all its modules imported first)."""
    _constants()
    found, pending = [], list(XMLObject.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("hearth.domain."):
            found.append(cls)
    return tuple(found)


@functools.cache
def _constants() -> dict[str, tuple[str, ...] | frozenset[str]]:
    """Module-level closed sets of strings in hearth.domain (UPPER names, tuples or frozensets)."""
    out: dict[str, tuple[str, ...] | frozenset[str]] = {}
    for info in pkgutil.iter_modules(model.__path__):
        module = importlib.import_module(f"hearth.domain.{info.name}")
        for name, value in vars(module).items():
            closed = isinstance(value, tuple | frozenset) and all(isinstance(v, str) for v in value)
            if name.isupper() and closed and value:
                out[name] = value
    return out


def test_every_closed_set_in_the_model_has_its_place_in_the_schema() -> None:
    """A property given choices, or a closed-set constant, added later must be added to MIRRORS."""
    with_choices = {
        f"{cls.__name__}.{name}"
        for cls in _domain_classes()
        for name, prop in vars(cls).items()
        if isinstance(prop, XMLProperty) and prop.choices is not None
    }
    assert with_choices - set(_BY_LABEL) == set(), "closed sets with no row in MIRRORS"
    mirrored = [_model_values(m) for m in MIRRORS]  # a constant may be re-exported under a 2nd name
    unmirrored = {name for name, value in _constants().items() if set(value) not in mirrored}
    assert unmirrored == set(), "closed-set constants with no row in MIRRORS"


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda m: m.label)
def test_a_mirror_names_the_property_and_constant_the_model_uses(mirror: Mirror) -> None:
    cls, prop = _prop(mirror.label)
    if mirror.constant is not None and prop.choices is not None:
        assert set(_constants()[mirror.constant]) == set(prop.choices)
    if not mirror.place.startswith("define:"):
        path, attr = _split(mirror.place)
        names = [step[0] for step in prop.steps]
        assert (path[len(path) - len(names) - 1 :], attr) == ([cls.TAG, *names], prop.attr)


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda m: m.label)
def test_the_model_s_closed_set_is_the_schema_s(mirror: Mirror) -> None:
    schema, values = _schema_values(mirror), _model_values(mirror)
    assert not set(mirror.extra) & set(mirror.missing)
    refused = schema - values - set(mirror.missing)
    assert not refused, f"{mirror.label}: libvirt accepts {sorted(refused)}, the model refuses them"
    unknown = values - schema - set(mirror.extra)
    assert not unknown, f"{mirror.label}: {sorted(unknown)} are unknown to libvirt's schema"
    assert set(mirror.missing) <= schema, f"{mirror.label}: a missing value the schema lacks too"
    assert not set(mirror.missing) & values, f"{mirror.label}: a value documented as refused is accepted"
    assert set(mirror.extra) <= values, f"{mirror.label}: an extra value the model does not take"


def _fresh(mirror: Mirror) -> XMLObject:
    cls = _prop(mirror.label)[0]
    obj = cls()
    for name, value in mirror.setup.items():
        setattr(obj, name, value)
    return obj


def _accepted() -> list[tuple[Mirror, str]]:
    if not (SCHEMAS / "domain.rng").is_file():
        return []
    return [
        (m, value) for m in MIRRORS for value in sorted((_schema_values(m) - set(m.missing)) | set(m.extra))
    ]


@pytest.mark.parametrize(
    ("mirror", "value"), _accepted(), ids=lambda v: v.label if isinstance(v, Mirror) else v
)
def test_every_value_libvirt_accepts_is_written_and_read_back(mirror: Mirror, value: str) -> None:
    obj = _fresh(mirror)
    name = mirror.label.split(".")[1]
    setattr(obj, name, value)
    assert getattr(obj, name) == value
    assert getattr(type(obj).from_xml(obj.to_xml()), name) == value


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda m: m.label)
def test_a_value_unknown_to_both_is_refused_on_write_and_leaves_the_tree_alone(mirror: Mirror) -> None:
    obj = _fresh(mirror)
    name = mirror.label.split(".")[1]
    before = etree.tostring(obj.node)
    with pytest.raises(ValidationError, match="must be one of") as caught:
        setattr(obj, name, _UNKNOWN)
    assert etree.tostring(obj.node) == before
    assert set(caught.value.details["allowed"]) == _model_values(mirror)


@pytest.mark.parametrize("label", ["Domain.on_poweroff", "Domain.on_reboot"])
def test_only_on_crash_may_dump_core(label: str) -> None:
    with pytest.raises(ValidationError, match="must be one of"):
        setattr(Domain(), label.split(".")[1], "coredump-restart")
    Domain().on_crash = "coredump-restart"


def _bools() -> list[tuple[str, str, str, XMLProperty[bool]]]:
    return [
        (f"{cls.__name__}.{name}", schema, place, prop)
        for cls, (schema, place) in BOOL_HOLDERS.items()
        for name in dir(cls)
        if isinstance(prop := getattr(cls, name), XMLProperty) and isinstance(prop.conv, BoolConv)
    ]


def test_every_yes_no_property_is_compared() -> None:
    holders = {
        cls
        for cls in _domain_classes()
        if any(isinstance(p, XMLProperty) and isinstance(p.conv, BoolConv) for p in vars(cls).values())
    }
    subclassed = {c for c in holders if c.TAG == ""}  # CharDevice: compared through each subclass
    assert holders - subclassed - set(BOOL_HOLDERS) == set()


@pytest.mark.parametrize(
    ("label", "schema", "place", "prop"), _bools(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_yes_no_property_writes_words_the_schema_accepts(
    label: str, schema: str, place: str, prop: XMLProperty[bool]
) -> None:
    assert isinstance(prop.conv, BoolConv)
    words = {prop.conv.true, prop.conv.false}
    allowed = _grammar(schema).values([place, *(step[0] for step in prop.steps)], prop.attr)
    assert allowed is not None and words <= allowed, (
        f"{label} writes {sorted(words)}, libvirt takes {allowed}"
    )
