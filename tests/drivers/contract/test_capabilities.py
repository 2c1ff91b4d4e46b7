"""Capability discovery: what a driver advertises is exactly what it serves."""

from __future__ import annotations

import inspect

import pytest

from hearth.drivers import OPERATION_METHODS, Collection, Driver, Feature, Operation
from hearth.drivers.parts import PART_BASES
from hearth.drivers.resources import InstanceCreate, InstanceFilter, VolumeCreate
from hearth.errors import NotSupported
from hearth.store import new_id

from .helpers import DriverCase, boot

# Every backend must at least run instances and show what they can be made from.
REQUIRED = {
    Operation.instances_list,
    Operation.instances_get,
    Operation.instances_create,
    Operation.instances_start,
    Operation.instances_stop,
    Operation.instances_destroy,
    Operation.images_list,
    Operation.images_get,
    Operation.realms_list,
    Operation.realms_get,
    Operation.hardware_profiles_list,
    Operation.hardware_profiles_get,
}


def test_capabilities_name_the_driver_and_cover_the_required_operations(driver: Driver) -> None:
    caps = driver.capabilities()
    assert caps.driver == driver.name
    missing = REQUIRED - set(caps.operations)
    assert not missing, f"{driver.name} lacks required operations {sorted(missing)}"


def _overrides(cls: type[Driver], op: Operation) -> bool:
    """Whether the driver's code for ``op`` is its own: its part for the collection overrides the
    base part's method, or (a driver not yet composed of parts) it overrides the facade's."""
    meth = OPERATION_METHODS[op]
    part = cls.parts.get(op.collection)
    if part is not None and getattr(part, meth) is not getattr(PART_BASES[op.collection], meth):
        return True
    return getattr(cls, meth) is not getattr(Driver, meth)


def test_advertised_operations_are_exactly_the_overridden_methods(driver: Driver) -> None:
    caps = driver.capabilities()
    for op in OPERATION_METHODS:
        assert caps.supports(op) == _overrides(type(driver), op), op


def test_a_collection_is_advertised_only_if_it_can_be_listed_and_fetched(driver: Driver) -> None:
    caps = driver.capabilities()
    for collection in Collection:
        listed = Operation(f"{collection.value}.list") in caps.operations
        assert (collection in caps.collections) == listed
        if listed:
            assert Operation(f"{collection.value}.get") in caps.operations, collection


def test_every_unadvertised_operation_raises_not_supported(case: DriverCase) -> None:
    driver = case.driver
    caps = driver.capabilities()
    for op, meth in OPERATION_METHODS.items():
        if caps.supports(op):
            continue
        method = getattr(driver, meth)
        params = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        with pytest.raises(NotSupported) as err:
            method(case.alice, *[None] * (len(params) - 1))
        assert driver.name in err.value.message and op.value in err.value.message


def test_every_undeclared_feature_is_refused_as_not_supported(case: DriverCase) -> None:
    """Each optional request field is either honoured (declared) or refused, never ignored."""
    driver, alice = case.driver, case.alice
    base = {"image_id": case.image_id, "hwp_id": case.hwp_id}
    create, list_, volume = Operation.instances_create, Operation.instances_list, Operation.volumes_create
    attempts = {
        Feature.user_data: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(**base, user_data="x")),
        ),
        Feature.authentication_key: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(**base, key_name="k")),
        ),
        Feature.hardware_profile_overrides: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(**base, hwp_overrides={"memory": 1024})),
        ),
        Feature.templates: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(template_id="tmpl", hwp_id=case.hwp_id)),
        ),
        Feature.realm_filter: (
            list_,
            lambda: driver.list_instances(alice, InstanceFilter(realm_id="anywhere")),
        ),
        Feature.volume_name: (
            volume,
            lambda: driver.create_volume(alice, VolumeCreate(capacity_gb=1, name="v")),
        ),
        Feature.instance_count: (create, lambda: driver.create_instances(alice, InstanceCreate(**base), 2)),
        Feature.create_stopped: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(**base, start=False)),
        ),
        Feature.chosen_id: (
            create,
            lambda: driver.create_instance(alice, InstanceCreate(**base, instance_id=new_id())),
        ),
    }
    assert set(attempts) == set(Feature), "a new Feature needs an entry here"
    caps = driver.capabilities()
    for feature in set(Feature) - set(caps.features):
        op, attempt = attempts[feature]
        with pytest.raises(NotSupported) as err:
            attempt()
        # Refused for the feature itself, unless the whole operation is unsupported anyway.
        assert feature.value in err.value.message or not caps.supports(op)
    assert driver.list_instances(alice) == [], "refused requests must not leave instances behind"


def test_instances_list_only_actions_the_driver_implements(case: DriverCase) -> None:
    inst = boot(case)
    assert set(inst.actions) <= case.driver.capabilities().actions
