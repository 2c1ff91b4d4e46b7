"""The Driver base: capabilities derived from overrides, NotSupported naming driver and operation."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from hearth.drivers import (
    ACTION_OPERATIONS,
    OPERATION_METHODS,
    Caller,
    Collection,
    Driver,
    Feature,
    Operation,
)
from hearth.drivers.parts import PART_BASES, InstancesPart, VolumesPart
from hearth.drivers.resources import Action, Instance, InstanceCreate, InstanceFilter, VolumeCreate
from hearth.errors import NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState

ALICE = Caller("alice")


class ListOnlyInstances(InstancesPart):
    """A deliberately partial backend: it can list and show instances and reboot them."""

    context: list[str]  # the calls made, shared with the test

    def _inst(self, instance_id: str) -> Instance:
        return Instance(
            id=instance_id,
            name="x",
            owner_id=ALICE.user_id,
            created=datetime.now(UTC),
            state=InstanceState.RUNNING,
            actions=self.allowed_actions(InstanceState.RUNNING),
            realm="r",
            hardware_profile="h",
        )

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        self.require_features(filters or InstanceFilter())
        return [self._inst("i-1")]

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._inst(instance_id)

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        self.context.append(f"reboot {instance_id}")
        return self._inst(instance_id)


class ListOnly(Driver):
    name = "list-only"
    features = frozenset({Feature.realm_filter})
    parts = {Collection.instances: ListOnlyInstances}

    def __init__(self) -> None:
        self.calls: list[str] = []
        super().__init__(self.calls)


def test_operation_table_covers_exactly_the_public_operations_of_driver() -> None:
    helpers = {"capabilities", "supported_actions", "allowed_actions", "check_action", "require_features"}
    helpers |= {"check_instance_count"}
    helpers |= {"act", "create_instances", "close", "staging_dir"}
    helpers |= {"host_file_problem", "host_report", "adopt_instance"}  # host checks and an admin extension
    helpers |= {"watch", "watches_events"}  # the event source (hearth.drivers.events)
    public = {n for n, _ in inspect.getmembers(Driver, inspect.isfunction) if not n.startswith("_")}
    public |= {n for n in vars(Driver) if isinstance(vars(Driver)[n], classmethod) and n[0] != "_"}
    assert public - helpers == set(OPERATION_METHODS.values())
    assert len(set(OPERATION_METHODS.values())) == len(Operation)
    for action, op in ACTION_OPERATIONS.items():
        assert op.collection is Collection.instances and op.verb == action.value


def test_each_collection_part_holds_exactly_its_collections_operations() -> None:
    for collection, part in PART_BASES.items():
        public = {n for n, _ in inspect.getmembers(part, inspect.isfunction) if not n.startswith("_")}
        public -= {"require_features", "allowed_actions", "check_action", "consoles"}
        ops = {m for op, m in OPERATION_METHODS.items() if op.collection is collection}
        assert public == ops, collection


def test_the_base_driver_supports_nothing() -> None:
    caps = Driver.capabilities()
    assert caps.operations == [] and caps.collections == [] and caps.features == []


def test_capabilities_follow_the_overridden_methods() -> None:
    caps = ListOnly.capabilities()
    assert caps.driver == "list-only"
    assert set(caps.operations) == {
        Operation.instances_list,
        Operation.instances_get,
        Operation.instances_reboot,
    }
    assert caps.collections == [Collection.instances]
    assert caps.features == [Feature.realm_filter]
    assert caps.actions == frozenset({Action.reboot})


def test_allowed_actions_are_limited_to_what_the_driver_implements() -> None:
    assert ListOnly.allowed_actions(InstanceState.RUNNING) == [Action.reboot]
    assert ListOnly.allowed_actions(InstanceState.STOPPED) == []


def test_unsupported_operations_raise_not_supported_naming_driver_and_operation() -> None:
    d = ListOnly()
    with pytest.raises(NotSupported) as err:
        d.create_instance(ALICE, InstanceCreate(image_id="i", hwp_id="h"))
    assert err.value.message == "the list-only driver does not support instances.create"
    assert err.value.details == {"driver": "list-only", "operation": "instances.create"}
    assert err.value.status == 501
    with pytest.raises(NotSupported, match="volumes.list"):
        d.list_volumes(ALICE)


def test_features_are_checked_against_the_declaration() -> None:
    d = ListOnly()
    assert d.list_instances(ALICE, InstanceFilter(realm_id="r"))  # declared
    with pytest.raises(NotSupported, match="user_data"):
        d.require_features(InstanceCreate(image_id="i", hwp_id="h", user_data="x"))
    with pytest.raises(NotSupported, match="volume_name"):
        d.require_features(VolumeCreate(capacity_gb=1, name="v"))
    d.require_features(VolumeCreate(capacity_gb=1))  # no optional feature used


def test_act_dispatches_to_the_action_method() -> None:
    d = ListOnly()
    assert d.act(ALICE, "i-7", Action.reboot).id == "i-7"
    assert d.calls == ["reboot i-7"]
    with pytest.raises(NotSupported, match="instances.start"):
        d.act(ALICE, "i-7", Action.start)
    with pytest.raises(ValidationError):
        d.act(ALICE, "i-7", Action.reboot, force=True)
    with pytest.raises(ValidationError, match="not wait"):
        d.act(ALICE, "i-7", Action.stop, wait=True)


def test_create_instances_needs_the_instance_count_feature() -> None:
    d = ListOnly()
    with pytest.raises(ValidationError):
        d.create_instances(ALICE, InstanceCreate(image_id="i", hwp_id="h"), 101)
    with pytest.raises(NotSupported, match="instance_count"):
        d.create_instances(ALICE, InstanceCreate(image_id="i", hwp_id="h"), 2)


def test_callers_cannot_impersonate_the_shared_catalogue() -> None:
    with pytest.raises(ValueError):
        Caller("system")
    with pytest.raises(ValueError):
        Caller("")


def test_only_key_operations_left_to_the_key_store_are_declared_store_only() -> None:
    """The API runs store-only operations on threads a hung host cannot take, so one that may
    call a backend must never be declared so: EC2 deletes the key pair in AWS as well."""
    from hearth.drivers.ec2.driver import Ec2Driver
    from hearth.drivers.libvirt.driver import LibvirtDriver
    from hearth.drivers.mock.driver import MockDriver
    from hearth.drivers.qemu.driver import QemuDriver

    keys = {Operation.keys_list, Operation.keys_get, Operation.keys_create, Operation.keys_import}
    for cls in (LibvirtDriver, MockDriver, QemuDriver):
        assert cls.store_operations == keys | {Operation.keys_delete}, cls
    assert Ec2Driver.store_operations == keys
    assert Driver.store_operations == frozenset()


def test_a_driver_overriding_a_contract_method_itself_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="implement it in the instances part"):

        class Direct(Driver):
            def get_instance(self, caller: Caller, instance_id: str) -> Instance:
                raise AssertionError


def test_a_feature_without_its_operations_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="declares feature volume_name but lacks volumes.create"):

        class Named(Driver):
            name = "named"
            features = frozenset({Feature.volume_name})
            parts = {Collection.instances: ListOnlyInstances}


def test_a_part_under_another_collection_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="not a VolumesPart"):

        class Misplaced(Driver):
            parts = {Collection.volumes: ListOnlyInstances}


def test_a_misspelt_operation_on_a_part_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="looks like a contract operation"):

        class Typo(VolumesPart):
            def delete_volumes(self, caller: Caller, volume_id: str) -> None:
                raise AssertionError
