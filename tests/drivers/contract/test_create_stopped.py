"""Creating an instance STOPPED (``InstanceCreate.start=False``, feature ``create_stopped``) and
passing a template's CPU topology down to the guest.

"Never ran" is checked where each backend leaves traces of a run: libvirt's domain is defined,
inactive and shut off for no reason (a domain that ran and stopped says why: shutdown,
destroyed, ...) and, on a real host, QEMU's log for it was never written; the qemu driver never
made a runtime directory for it (where its QEMU, QMP socket and console log would live). The
mock has no guest: its observed states are the evidence.
"""

from __future__ import annotations

import time
from pathlib import Path

import libvirt
import pytest
from lxml import etree

from hearth.drivers import Caller, Collection, Driver, Feature, features_used, wait_for_state
from hearth.drivers.libvirt import LibvirtDriver
from hearth.drivers.parts import InstancesPart
from hearth.drivers.qemu import QemuDriver
from hearth.drivers.resources import Instance, InstanceCreate, InstanceSpec, parse_request
from hearth.errors import NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase

S = InstanceState
TOPOLOGY = {"sockets": 1, "cores": 2, "threads": 1}
QEMU_LOGS = Path("var/log/libvirt/qemu")  # below the case's host_root


def _spec(case: DriverCase) -> InstanceSpec:
    fields: dict[str, object] = {"os": "debian11", "memory_mib": 160, **case.spec_fields}
    return InstanceSpec.model_validate({**fields, "vcpus": 2, "topology": TOPOLOGY})


def _states_until_stopped(case: DriverCase, instance: Instance) -> list[InstanceState]:
    """Every state observed from creation until STOPPED (polled as fast as reads allow)."""
    seen = [instance.state]
    deadline = time.monotonic() + case.wait_timeout
    while seen[-1] is not S.STOPPED:
        assert time.monotonic() < deadline, f"still {seen[-1]} after {case.wait_timeout}s"
        seen.append(case.driver.get_instance(case.alice, instance.id).state)
    return seen


def _libvirt(driver: LibvirtDriver, instance_id: str) -> tuple[int, int, bool, bool, str, str]:
    """(state, reason, active, persistent, name, XML) of the instance's domain, read by libvirt."""
    link = next(iter(driver.context.links.values()))

    def read(c: libvirt.virConnect) -> tuple[int, int, bool, bool, str, str]:
        dom = c.lookupByUUIDString(instance_id)
        state, reason = dom.state()
        return state, reason, bool(dom.isActive()), bool(dom.isPersistent()), dom.name(), dom.XMLDesc(0)

    result: tuple[int, int, bool, bool, str, str] = link.run("reading the domain", read)
    return result


def _assert_never_ran(case: DriverCase, instance_id: str) -> None:
    d = case.driver
    if isinstance(d, LibvirtDriver):
        state, reason, active, persistent, name, _ = _libvirt(d, instance_id)
        assert (state, active, persistent) == (libvirt.VIR_DOMAIN_SHUTOFF, False, True)
        assert reason == libvirt.VIR_DOMAIN_SHUTOFF_UNKNOWN, f"the domain ran and stopped (reason {reason})"
        if not next(iter(d.context.links.values())).is_test:
            assert not (case.host_root / QEMU_LOGS / f"{name}.log").exists(), "libvirt started QEMU for it"
    elif isinstance(d, QemuDriver):
        assert instance_id not in d.context.sup.names()
        assert not (d.context.layout.run / instance_id).exists(), "a QEMU runtime directory was made"


def _assert_ran(case: DriverCase, instance_id: str) -> None:
    """The traces ``_assert_never_ran`` looks for do appear once the instance runs."""
    d = case.driver
    if isinstance(d, LibvirtDriver):
        state, _, active, _, name, _ = _libvirt(d, instance_id)
        assert active and state == libvirt.VIR_DOMAIN_RUNNING
        if not next(iter(d.context.links.values())).is_test:
            assert (case.host_root / QEMU_LOGS / f"{name}.log").exists()
    elif isinstance(d, QemuDriver):
        assert instance_id in d.context.sup.names() and (d.context.layout.run / instance_id).exists()


def _assert_topology(case: DriverCase, instance_id: str) -> None:
    d = case.driver
    if isinstance(d, LibvirtDriver):
        xml = etree.fromstring(_libvirt(d, instance_id)[5].encode())
        topo = xml.find("cpu/topology")
        assert topo is not None, "no <cpu><topology> in the domain"
        assert {k: int(topo.get(k, "0")) for k in TOPOLOGY} == TOPOLOGY
        assert xml.findtext("vcpu") == "2"
    elif isinstance(d, QemuDriver):
        handle = d.context.sup.get(instance_id)
        argv = Path(f"/proc/{handle.pid}/cmdline").read_bytes().split(b"\0")
        smp = argv[argv.index(b"-smp") + 1].decode()
        assert smp == "2,sockets=1,cores=2,threads=1,maxcpus=2"
        assert len(handle.qmp.execute("query-cpus-fast")) == 2


def test_an_instance_created_stopped_never_runs_until_started(case: DriverCase) -> None:
    """From a template spec with a CPU topology: STOPPED without ever RUNNING, then start boots it
    (the one real boot per real backend) with the topology in the guest's definition."""
    d, alice = case.driver, case.alice
    request = InstanceCreate(
        template_id="tmpl-cold", hwp_id=case.hwp_id, spec=_spec(case), name="cold", start=False
    )
    if Feature.create_stopped not in d.capabilities().features:
        with pytest.raises(NotSupported):
            d.create_instance(alice, request)
        return
    made = d.create_instance(alice, request)
    seen = _states_until_stopped(case, made)
    assert S.RUNNING not in seen and set(seen) <= {S.PENDING, S.STOPPED}, seen
    _assert_never_ran(case, made.id)
    stopped = d.get_instance(alice, made.id)
    assert "start" in [a.value for a in stopped.actions] and stopped.vcpus in (2, None)

    d.start_instance(alice, made.id)
    up = wait_for_state(d, alice, made.id, S.RUNNING, timeout=case.wait_timeout)
    assert up.vcpus in (2, None)
    _assert_ran(case, made.id)
    _assert_topology(case, made.id)
    d.stop_instance(alice, made.id, force=True)
    wait_for_state(d, alice, made.id, S.STOPPED, timeout=case.wait_timeout)
    assert d.destroy_instance(alice, made.id).state is S.FINISHED


def test_an_image_instance_created_stopped_can_be_destroyed_unstarted(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    request = InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, start=False)
    if Feature.create_stopped not in d.capabilities().features:
        with pytest.raises(NotSupported):
            d.create_instance(alice, request)
        return
    made = d.create_instance(alice, request)
    assert made.image == case.image_id
    seen = _states_until_stopped(case, made)
    assert S.RUNNING not in seen, seen
    _assert_never_ran(case, made.id)
    assert d.destroy_instance(alice, made.id).state is S.FINISHED
    assert made.id not in {i.id for i in d.list_instances(alice)}


def test_start_false_is_a_feature_a_driver_must_declare() -> None:
    request = InstanceCreate(image_id="img", hwp_id="hwp", start=False)
    assert features_used(request) == {Feature.create_stopped}
    assert features_used(request.model_copy(update={"start": True})) == frozenset()

    class StarterInstances(InstancesPart):
        def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
            self.require_features(request)
            raise AssertionError("a create_stopped request got past require_features")

    class Starter(Driver):
        name = "starter"
        parts = {Collection.instances: StarterInstances}

    with pytest.raises(NotSupported) as err:
        Starter().create_instance(Caller("alice"), request)
    assert err.value.details["feature"] == "create_stopped"


def test_a_topology_must_add_up_to_the_maximum_vcpus() -> None:
    base = {"os": "debian12", "memory_mib": 256, "vcpus": 2}
    ok = parse_request(
        InstanceSpec, {**base, "max_vcpus": 4, "topology": {"sockets": 2, "cores": 2, "threads": 1}}
    )
    assert ok.topology is not None and ok.topology.cpus == 4
    for bad, word in (
        ({**base, "topology": {"sockets": 1, "cores": 1, "threads": 1}}, "maximum is 2"),
        ({**base, "max_vcpus": 4, "topology": {"sockets": 1, "cores": 2, "threads": 1}}, "maximum is 4"),
        ({**base, "topology": {"sockets": 0, "cores": 2, "threads": 1}}, "topology.sockets"),
        ({**base, "topology": {"sockets": 2, "cores": 1}}, "topology.threads"),
    ):
        with pytest.raises(ValidationError) as err:
            parse_request(InstanceSpec, bad)
        assert word in err.value.message, (bad, err.value.message)
