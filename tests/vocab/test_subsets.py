"""A field holding some members of a vocabulary enum: a template's direct interfaces."""

from __future__ import annotations

import pytest

from hearth.drivers.resources import parse_request
from hearth.errors import ValidationError
from hearth.qemu.devices import NIC_DEVICES
from hearth.service.template_models import TemplateInterface
from hearth.vocab.nic_kinds import HOST_DEVICE_KINDS, InterfaceType
from hearth.vocab.nic_models import NicModel


@pytest.mark.parametrize("kind", list(HOST_DEVICE_KINDS))
def test_a_template_interface_holds_the_one_interface_type(kind: InterfaceType) -> None:
    nic = parse_request(TemplateInterface, {"type": kind.value, "source": "br0"})
    assert nic.type is kind
    assert nic.model_dump(mode="json")["type"] == kind.value


@pytest.mark.parametrize("value", ["network", "user", InterfaceType.user, "wifi"])
def test_a_template_interface_refuses_kinds_not_on_a_host_device(value: str) -> None:
    with pytest.raises(ValidationError, match="Input should be 'macvtap', 'ovs' or 'bridge'"):
        parse_request(TemplateInterface, {"type": value, "source": "br0"})


def test_the_schema_keeps_its_own_name_and_values() -> None:
    schema = TemplateInterface.model_json_schema()
    assert schema["properties"]["type"]["$ref"] == "#/$defs/TemplateInterfaceType"
    assert schema["$defs"]["TemplateInterfaceType"]["enum"] == ["macvtap", "ovs", "bridge"]
    assert schema["$defs"]["TemplateInterfaceType"]["title"] == "TemplateInterfaceType"


def test_hearth_qemu_runs_every_nic_model_the_contract_offers() -> None:
    assert set(NIC_DEVICES) == set(NicModel)
