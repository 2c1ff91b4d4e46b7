"""Every closed set in hearth.domain is the one libvirt's installed RELAX NG schema declares.

So a value libvirt accepts (``ssh`` disks, ``vhostvdpa`` sources) is one the model writes back,
and one libvirt would refuse is refused on write here too, with the allowed values named.
"""

from __future__ import annotations

import pytest

from hearth.domain import CPU, BootDev, Clock, CPUFeature, Disk, Domain, Features, Interface
from hearth.domain.devices import NEWER_LIBVIRT
from hearth.domain.network import Network, NetworkIP
from hearth.domain.storage import StoragePool
from hearth.domain.xmlbuilder import XMLObject, XMLProperty, _compile
from hearth.errors import ValidationError
from tests.domain.rng_schema import SCHEMAS, Grammar

# Each class: its grammar and the element path of its own element in it.
CLASSES: dict[type[XMLObject], tuple[str, list[str]]] = {
    Domain: ("domain.rng", ["domain"]),
    Disk: ("domain.rng", ["disk"]),
    Interface: ("domain.rng", ["interface"]),
    BootDev: ("domain.rng", ["os", "boot"]),
    CPU: ("domain.rng", ["cpu"]),
    CPUFeature: ("domain.rng", ["cpu", "feature"]),
    Clock: ("domain.rng", ["clock"]),
    Features: ("domain.rng", ["features"]),
    Network: ("network.rng", ["network"]),
    NetworkIP: ("network.rng", ["network", "ip"]),
    StoragePool: ("storagepool.rng", ["pool"]),
}
pytestmark = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="libvirt's schemas are not installed")
_GRAMMARS: dict[str, Grammar] = {}


def _choices() -> list[tuple[str, type[XMLObject], str, XMLProperty[str]]]:
    out = []
    for cls in CLASSES:
        for name in dir(cls):
            prop = getattr(cls, name)
            if isinstance(prop, XMLProperty) and prop.choices is not None:
                out.append((f"{cls.__name__}.{name}", cls, name, prop))
    return out


def test_every_class_with_choices_is_compared() -> None:
    """A class given choices later must be added to CLASSES, or this fails."""
    import hearth.domain as model

    with_choices = {
        cls
        for cls in vars(model).values()
        if isinstance(cls, type) and issubclass(cls, XMLObject)
        and any(isinstance(getattr(cls, n), XMLProperty) and getattr(cls, n).choices for n in dir(cls))
    }  # fmt: skip
    assert with_choices <= set(CLASSES)


@pytest.mark.parametrize(
    ("label", "cls", "name", "prop"), _choices(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_the_model_s_choices_are_the_schema_s(
    label: str, cls: type[XMLObject], name: str, prop: XMLProperty[str]
) -> None:
    grammar_file, base = CLASSES[cls]
    grammar = _GRAMMARS.setdefault(grammar_file, Grammar(grammar_file))
    steps, attr = _compile(prop.path)
    schema = grammar.values(base + [s[0] for s in steps], attr)
    assert schema is not None, f"{label}: the schema leaves {prop.path} open, the model closes it"
    model = set(prop.choices or ())
    assert schema <= model, f"{label}: libvirt accepts {sorted(schema - model)}, the model refuses them"
    extra = model - schema
    assert extra <= NEWER_LIBVIRT, f"{label}: {sorted(extra - NEWER_LIBVIRT)} are unknown to libvirt's schema"


@pytest.mark.parametrize(
    ("obj", "name", "value"),
    [(Disk(), "source_protocol", "ssh"), (Disk(), "type", "vhostvdpa"), (Disk(), "type", "vhostuser")],
)
def test_values_libvirt_accepts_are_written(obj: XMLObject, name: str, value: str) -> None:
    setattr(obj, name, value)
    assert getattr(obj, name) == value


def test_a_value_unknown_to_libvirt_is_refused_on_write() -> None:
    with pytest.raises(ValidationError, match="must be one of"):
        Disk().source_protocol = "gopher"
    with pytest.raises(ValidationError, match="must be one of"):
        Domain().on_poweroff = "coredump-restart"  # only on_crash may dump core
