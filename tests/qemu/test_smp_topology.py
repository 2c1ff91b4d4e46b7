"""``-smp`` with a CPU layout and a maximum, rendered from a Machine and read from a domain.

A real boot with a topology (argv and query-cpus-fast) is in the driver contract suite
(tests/drivers/contract/test_create_stopped.py)."""

from __future__ import annotations

import pytest

from hearth.domain import parse
from hearth.errors import ValidationError
from hearth.qemu import Machine, render_argv
from hearth.qemu.from_domain import machine_from_domain
from hearth.qemu.machine import CpuTopology

DOMAIN = """\
<domain type="qemu">
  <name>topo</name>
  <memory unit="MiB">128</memory>
  {vcpu}
  <os><type arch="x86_64" machine="q35">hvm</type></os>
  <features><acpi/></features>
  <cpu mode="maximum">{topology}</cpu>
  <devices><controller type="pci" index="0" model="pcie-root"/></devices>
</domain>
"""


def _smp(machine: Machine) -> str:
    args = render_argv(machine, accel="tcg").args
    return args[args.index("-smp") + 1]


def _from(vcpu: str, topology: str = "") -> Machine:
    return machine_from_domain(parse(DOMAIN.format(vcpu=vcpu, topology=topology))).machine


def test_a_plain_count_stays_plain() -> None:
    assert _smp(Machine(name="a", smp=3)) == "3"


def test_topology_and_maximum_are_rendered() -> None:
    m = Machine(name="a", smp=2, max_smp=4, topology=CpuTopology(sockets=2, cores=2, threads=1))
    assert _smp(m) == "2,sockets=2,cores=2,threads=1,maxcpus=4"
    m = Machine(name="a", smp=8, topology=CpuTopology(sockets=1, cores=2, threads=2, dies=2))
    assert _smp(m) == "8,sockets=1,dies=2,cores=2,threads=2,maxcpus=8"
    assert _smp(Machine(name="a", smp=1, max_smp=2)) == "1,maxcpus=2"


@pytest.mark.parametrize(
    ("machine", "word"),
    [
        (Machine(name="a", smp=2, topology=CpuTopology(sockets=1, cores=1, threads=1)), "gives 1 vCPUs"),
        (Machine(name="a", smp=4, max_smp=2), "below smp"),
        (Machine(name="a", smp=2, topology=CpuTopology(sockets=0, cores=2, threads=1)), "sockets"),
    ],
)
def test_layouts_that_do_not_add_up_are_refused(machine: Machine, word: str) -> None:
    with pytest.raises(ValidationError) as err:
        render_argv(machine, accel="tcg")
    assert word in err.value.message


def test_the_domain_topology_reaches_the_machine() -> None:
    m = _from("<vcpu>4</vcpu>", '<topology sockets="2" cores="1" threads="2"/>')
    assert (m.smp, m.max_smp, m.topology) == (4, None, CpuTopology(sockets=2, cores=1, threads=2))
    assert _smp(m) == "4,sockets=2,cores=1,threads=2,maxcpus=4"
    m = _from('<vcpu current="2">4</vcpu>', '<topology sockets="1" dies="1" cores="4" threads="1"/>')
    assert _smp(m) == "2,sockets=1,cores=4,threads=1,maxcpus=4"


def test_without_topology_each_vcpu_is_a_socket_as_libvirt_lays_them_out() -> None:
    m = _from("<vcpu>6</vcpu>")
    assert (m.smp, m.max_smp, m.topology) == (6, None, CpuTopology(sockets=6, cores=1, threads=1))
    assert _smp(m) == "6,sockets=6,cores=1,threads=1,maxcpus=6"
    m = _from('<vcpu current="1">3</vcpu>')
    assert _smp(m) == "1,sockets=3,cores=1,threads=1,maxcpus=3"


def test_a_partial_topology_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        _from("<vcpu>2</vcpu>", '<topology sockets="2"/>')
    assert "cores, threads" in err.value.message
