"""Resource and request models: validation messages, address checks, trusted construction."""

from __future__ import annotations

from datetime import UTC, datetime

import pydantic
import pytest

from hearth.drivers import resources
from hearth.drivers.resources import (
    HwpProperty,
    HwpPropertyName,
    Instance,
    InstanceConsoles,
    InstanceCreate,
    NetworkBinding,
    NetworkCreate,
    PropertyKind,
    SubnetCreate,
    Unit,
    build_trusted,
    check_cidr,
    parse_request,
)
from hearth.errors import ValidationError
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.instance_states import InstanceState


def test_parse_request_turns_pydantic_errors_into_one_validation_error() -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(NetworkCreate, {"name": "n", "address_blocks": ["10.0.0.0/8", "bogus"]})
    assert err.value.message.startswith("invalid NetworkCreate: address_blocks: ")
    assert "'bogus' is not a CIDR block" in err.value.message
    assert err.value.details["fields"] == ["address_blocks"]
    with pytest.raises(ValidationError, match="hwp_id: Field required"):
        parse_request(InstanceCreate, {"image_id": "i"})


def test_cidr_blocks_are_canonical_and_strict() -> None:
    assert check_cidr("fd00:0:0:1::/64") == "fd00:0:0:1::/64"
    assert check_cidr("FD00::/8") == "fd00::/8"
    with pytest.raises(ValueError, match="not a valid CIDR"):
        check_cidr("192.168.1.1/24")  # host bits set: an error, not silently rounded
    req = parse_request(SubnetCreate, {"network_id": "n", "name": "s", "address_block": "10.1.0.0/16"})
    assert req.address_block == "10.1.0.0/16"


def test_hardware_property_shapes_are_checked() -> None:
    with pytest.raises(pydantic.ValidationError):
        HwpProperty(kind=PropertyKind.range, unit=Unit.MB, value=100, first=512, last=1024)
    with pytest.raises(pydantic.ValidationError):
        HwpProperty(kind=PropertyKind.enum, unit=Unit.COUNT, value=3, values=[1, 2])
    ok = HwpProperty(kind=PropertyKind.enum, unit=Unit.COUNT, value=2, values=[1, 2])
    assert ok.values == [1, 2]


def test_responses_are_frozen_and_requests_reject_unknown_fields() -> None:
    req = InstanceCreate(image_id="i", hwp_id="h")
    with pytest.raises(pydantic.ValidationError):
        req.name = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="flavour: Extra inputs are not permitted"):
        parse_request(InstanceCreate, {"image_id": "i", "hwp_id": "h", "flavour": "x"})


def test_build_trusted_matches_validation() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    values = {
        "id": "i-1",
        "name": "web",
        "owner_id": "alice",
        "created": created,
        "state": InstanceState.RUNNING,
        "state_reason": None,
        "actions": [],
        "image": "debian-12",
        "template": None,
        "realm": "local",
        "hardware_profile": "flexible",
        "hardware_profile_overrides": {HwpPropertyName.memory: 2048},
        "key_name": None,
        "network_bindings": [NetworkBinding(network="n", subnet="s", ip_address="10.0.0.2")],
        "public_addresses": ["203.0.113.2"],
        "private_addresses": ["10.0.0.2"],
        "memory_mib": 2048,
        "vcpus": 2,
        "consoles": InstanceConsoles(serial=True, graphics=GraphicsType.vnc),
    }
    assert set(values) == set(Instance.model_fields), "build_trusted needs every field"
    fast = build_trusted(Instance, dict(values))
    slow = Instance.model_validate(values)
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast == Instance.model_construct(**values)
    assert fast.model_fields_set == slow.model_fields_set
    with pytest.raises(pydantic.ValidationError):
        fast.name = "other"  # type: ignore[misc]


def _contract_models() -> list[type[pydantic.BaseModel]]:
    return [
        obj
        for obj in vars(resources).values()
        if isinstance(obj, type)
        and issubclass(obj, pydantic.BaseModel)
        and obj.__module__ == resources.__name__
    ]


def test_every_field_of_every_contract_model_has_a_description() -> None:
    """So /v1/openapi.json documents the contract, field by field."""
    models = _contract_models()
    assert len(models) > 30
    bare = [f"{m.__name__}.{name}" for m in models for name, f in m.model_fields.items() if not f.description]
    assert bare == []


def test_the_field_descriptions_reach_the_json_schema() -> None:
    schema = resources.NetworkInterface.model_json_schema()
    assert schema["properties"]["mac"]["description"].startswith("MAC address")
    assert "description" in schema["properties"]["type"]  # beside the enum's $ref
