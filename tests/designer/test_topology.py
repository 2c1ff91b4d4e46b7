"""CPU topology: the designer writes ``<cpu><topology>`` that adds up to the guest's vCPUs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.designer import Designer
from hearth.errors import ValidationError

from .conftest import facts, validate


def test_topology_is_written_and_valid(tmp_path: Path) -> None:
    xml = Designer().setup("debian11", arch="x86_64", vcpus=8).set_cpu_topology(2, 2, 2).build().to_xml()
    root = facts(xml)
    topo = root.find("cpu/topology")
    assert topo is not None
    assert (topo.get("sockets"), topo.get("cores"), topo.get("threads")) == ("2", "2", "2")
    assert root.findtext("vcpu") == "8"
    validate(xml, tmp_path)


def test_no_topology_unless_asked() -> None:
    root = facts(Designer().setup("debian11", arch="x86_64", vcpus=2).build().to_xml())
    assert root.find("cpu/topology") is None


def test_the_order_of_calls_does_not_matter() -> None:
    a = Designer().set_cpu_topology(1, 4, 1).setup("debian11", arch="x86_64", vcpus=4).build()
    topo = facts(a.to_xml()).find("cpu/topology")
    assert topo is not None and topo.get("cores") == "4"


def test_a_cached_skeleton_does_not_carry_a_topology_over() -> None:
    """Designs with the same setup share a cached skeleton; the topology is per design."""
    first = Designer().setup("debian11", arch="x86_64", vcpus=2).set_cpu_topology(2, 1, 1).build()
    second = Designer().setup("debian11", arch="x86_64", vcpus=2).build()
    assert facts(first.to_xml()).find("cpu/topology") is not None
    assert facts(second.to_xml()).find("cpu/topology") is None


def test_a_topology_that_does_not_add_up_is_refused() -> None:
    d = Designer().setup("debian11", arch="x86_64", vcpus=6).set_cpu_topology(1, 2, 2)
    with pytest.raises(ValidationError) as err:
        d.build()
    assert "gives 4 vCPUs" in err.value.message and "has 6" in err.value.message


@pytest.mark.parametrize(
    ("args", "word"),
    [((0, 1, 1), "sockets"), ((1, -2, 1), "cores"), ((1, 1, 65), "threads"), ((True, 1, 1), "sockets")],
)
def test_bad_topology_values_are_refused(args: tuple[int, int, int], word: str) -> None:
    with pytest.raises(ValidationError) as err:
        Designer().set_cpu_topology(*args)
    assert word in err.value.message
