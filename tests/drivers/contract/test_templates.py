"""Instances built from a resolved template (``InstanceCreate.spec``, feature ``templates``)."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, Operation, wait_for_state
from hearth.drivers.resources import HwpPropertyName, InstanceCreate, InstanceSpec, parse_request
from hearth.errors import NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from .helpers import DriverCase, boot

TEMPLATE = "tmpl-web"


def _spec(case: DriverCase, **extra: object) -> InstanceSpec:
    fields: dict[str, object] = {"os": "debian11", "memory_mib": 160, "vcpus": 2, **case.spec_fields, **extra}
    return InstanceSpec.model_validate(fields)


def test_bad_specs_are_validation_errors() -> None:
    base = {"os": "debian12", "memory_mib": 256, "vcpus": 1}
    for bad, word in (
        ({**base, "max_memory_mib": 128}, "max_memory_mib"),
        ({**base, "max_vcpus": 0}, "max_vcpus"),
        ({**base, "os": "Debian 12"}, "os"),
        ({**base, "initrd": "/boot/initrd.img"}, "kernel"),
        ({**base, "kernel": "/k", "cmdline": "a\nb"}, "single line"),
        ({**base, "disks": [{"size_gib": 0}]}, "disks"),
        ({**base, "disks": [{"size_gib": 1, "format": "vmdk"}]}, "disks"),
        ({**base, "graphics": {"type": "rdp"}}, "graphics"),
        ({**base, "graphics": {"type": "vnc", "listen": "everywhere"}}, "listen"),
        ({**base, "interfaces": [{"type": "bridge", "source": "br0", "mode": "vepa"}]}, "macvtap"),
        ({**base, "interfaces": [{"type": "user", "mac": "52:54:00:00:00:01"}] * 2}, "same MAC"),
    ):
        with pytest.raises(ValidationError) as err:
            parse_request(InstanceSpec, bad)
        assert word in err.value.message, bad
    with pytest.raises(ValidationError) as err:
        parse_request(InstanceCreate, {"image_id": "i", "hwp_id": "h", "spec": base})
    assert "template_id" in err.value.message


def test_instances_report_the_size_their_profile_gives(case: DriverCase) -> None:
    inst = boot(case)
    hwp = case.driver.get_hardware_profile(case.alice, inst.hardware_profile)
    mem, cpu = hwp.properties.get(HwpPropertyName.memory), hwp.properties.get(HwpPropertyName.cpu)
    if mem is not None and inst.memory_mib is not None:
        assert inst.memory_mib == mem.value
    if cpu is not None and inst.vcpus is not None:
        assert inst.vcpus == cpu.value


def test_an_instance_from_a_spec_has_its_size_and_nics(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if Feature.templates not in d.capabilities().features:
        with pytest.raises(NotSupported):
            d.create_instance(
                alice, InstanceCreate(template_id=TEMPLATE, hwp_id=case.hwp_id, spec=_spec(case))
            )
        return
    nets = [case.nic_network] if case.nic_network else []
    extra = (
        [{"type": "network", "source": case.nic_network, "model": "e1000", "mac": "52:54:00:7e:00:02"}]
        if case.nic_network
        else []
    )
    spec = _spec(case, networks=nets, interfaces=extra)
    made = d.create_instance(
        alice, InstanceCreate(template_id=TEMPLATE, hwp_id=case.hwp_id, spec=spec, name="web")
    )
    assert made.template == TEMPLATE and made.image is None and made.name == "web"
    inst = wait_for_state(d, alice, made.id, InstanceState.RUNNING, timeout=case.wait_timeout)
    assert (inst.memory_mib, inst.vcpus) == (spec.memory_mib, spec.vcpus)
    assert inst.id in {i.id for i in d.list_instances(alice)}
    if d.capabilities().supports(Operation.interfaces_list) and case.nic_network:
        nics = {n.mac: n for n in d.list_interfaces(alice, inst.id)}
        assert len(nics) == 2
        assert nics["52:54:00:7e:00:02"].model is NicModel.e1000
        assert all(n.type is InterfaceType.network and n.source == case.nic_network for n in nics.values())
        assert [n.model for n in nics.values() if n.mac != "52:54:00:7e:00:02"] == [NicModel.virtio]


def test_template_requests_without_a_usable_spec_are_refused(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if Feature.templates not in d.capabilities().features:
        return  # refusal covered by test_every_undeclared_feature_is_refused_as_not_supported
    with pytest.raises(ValidationError) as err:  # the service layer resolves templates, not drivers
        d.create_instance(alice, InstanceCreate(template_id=TEMPLATE, hwp_id=case.hwp_id))
    assert TEMPLATE in err.value.message
    with pytest.raises(ValidationError) as err:
        d.create_instance(
            alice,
            InstanceCreate(
                template_id=TEMPLATE, hwp_id=case.hwp_id, spec=_spec(case, networks=["no-such-net"])
            ),
        )
    assert "no-such-net" in err.value.message
    assert d.list_instances(alice) == [], "refused creates must not leave instances behind"
