"""Instances: the DESIGN state machine, allowed actions per state, refusals, filters."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, wait_for_state
from hearth.drivers.resources import Action, InstanceCreate, InstanceFilter, parse_request
from hearth.errors import InvalidState, NotFound, NotSupported, ValidationError
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, boot, expected_actions, stopped

S = InstanceState


def _refused(case: DriverCase, instance_id: str, action: Action, state: InstanceState) -> None:
    """The action is refused with InvalidState whose message lists exactly the allowed actions
    (NotSupported when the driver has no such action at all, e.g. resume on EC2)."""
    if action not in case.driver.capabilities().actions:
        with pytest.raises(NotSupported):
            case.driver.act(case.alice, instance_id, action)
        return
    with pytest.raises(InvalidState) as err:
        case.driver.act(case.alice, instance_id, action)
    allowed = expected_actions(case.driver, state)
    assert err.value.details["allowed"] == allowed
    assert state.value in err.value.message
    assert (", ".join(allowed) or "none") in err.value.message


def test_full_lifecycle_follows_the_state_machine(case: DriverCase) -> None:
    d, alice, t = case.driver, case.alice, case.wait_timeout
    actions = d.capabilities().actions
    created = d.create_instance(
        alice, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, name="life")
    )
    assert created.state in (S.PENDING, S.RUNNING)
    assert created.name == "life" and created.owner_id == alice.user_id
    assert created.image == case.image_id and created.hardware_profile == case.hwp_id
    assert [a.value for a in created.actions] == expected_actions(d, created.state)

    inst = wait_for_state(d, alice, created.id, S.RUNNING, timeout=t)
    assert [a.value for a in inst.actions] == expected_actions(d, S.RUNNING)
    assert Action.stop in inst.actions and Action.start not in inst.actions
    _refused(case, inst.id, Action.start, S.RUNNING)
    _refused(case, inst.id, Action.destroy, S.RUNNING)  # destroy only when stopped
    _refused(case, inst.id, Action.resume, S.RUNNING)

    if Action.reboot in actions:
        d.reboot_instance(alice, inst.id)
        assert wait_for_state(d, alice, inst.id, S.RUNNING, timeout=t).id == inst.id

    if Action.suspend in actions:
        d.suspend_instance(alice, inst.id)
        paused = wait_for_state(d, alice, inst.id, S.PAUSED, timeout=t)
        assert [a.value for a in paused.actions] == expected_actions(d, S.PAUSED)
        _refused(case, inst.id, Action.suspend, S.PAUSED)
        _refused(case, inst.id, Action.destroy, S.PAUSED)
        d.resume_instance(alice, inst.id)
        wait_for_state(d, alice, inst.id, S.RUNNING, timeout=t)

    stopping = d.stop_instance(alice, inst.id, timeout=t)
    assert stopping.state in (S.STOPPING, S.STOPPED)
    off = wait_for_state(d, alice, inst.id, S.STOPPED, timeout=t)
    assert [a.value for a in off.actions] == expected_actions(d, S.STOPPED)
    assert set(off.actions) == {Action.start, Action.destroy} & actions
    _refused(case, inst.id, Action.stop, S.STOPPED)
    _refused(case, inst.id, Action.reboot, S.STOPPED)

    d.start_instance(alice, inst.id)
    wait_for_state(d, alice, inst.id, S.RUNNING, timeout=t)
    d.stop_instance(alice, inst.id, force=True)
    wait_for_state(d, alice, inst.id, S.STOPPED, timeout=t)

    final = d.destroy_instance(alice, inst.id)
    assert final.state is S.FINISHED and final.actions == []
    with pytest.raises(NotFound):
        d.get_instance(alice, inst.id)
    assert inst.id not in {i.id for i in d.list_instances(alice)}


def test_graceful_stop_is_forced_after_the_timeout(case: DriverCase) -> None:
    """A guest that ignores the shutdown request is powered off once the timeout has passed."""
    inst = boot(case)
    case.driver.stop_instance(case.alice, inst.id, timeout=1.0)
    off = wait_for_state(case.driver, case.alice, inst.id, S.STOPPED, timeout=case.wait_timeout + 1.0)
    assert off.state is S.STOPPED


def test_negative_stop_timeout_is_a_validation_error(case: DriverCase) -> None:
    inst = boot(case)
    with pytest.raises(ValidationError):
        case.driver.stop_instance(case.alice, inst.id, timeout=-1)


def test_act_dispatches_by_action_name(case: DriverCase) -> None:
    inst = boot(case)
    case.driver.act(case.alice, inst.id, Action.stop, force=True)
    assert wait_for_state(case.driver, case.alice, inst.id, S.STOPPED, timeout=case.wait_timeout)
    with pytest.raises(ValidationError):
        case.driver.act(case.alice, inst.id, Action.start, force=True)  # start takes no options


def test_destroy_is_refused_until_stopped(case: DriverCase) -> None:
    inst = boot(case)
    with pytest.raises(InvalidState) as err:
        case.driver.destroy_instance(case.alice, inst.id)
    assert "stop" in err.value.details["allowed"]
    assert case.driver.get_instance(case.alice, inst.id).state is S.RUNNING


def test_unknown_ids_are_not_found(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    for call in (
        lambda: d.get_instance(alice, "no-such-instance"),
        lambda: d.start_instance(alice, "no-such-instance"),
        lambda: d.destroy_instance(alice, "no-such-instance"),
        lambda: d.create_instance(alice, InstanceCreate(image_id="no-such-image", hwp_id=case.hwp_id)),
        lambda: d.create_instance(alice, InstanceCreate(image_id=case.image_id, hwp_id="no-such-profile")),
    ):
        with pytest.raises(NotFound):
            call()


def test_bad_create_payloads_are_validation_errors(case: DriverCase) -> None:
    with pytest.raises(ValidationError) as err:
        parse_request(InstanceCreate, {"hwp_id": case.hwp_id})
    assert "image_id" in err.value.message
    with pytest.raises(ValidationError):
        parse_request(InstanceCreate, {"image_id": case.image_id, "template_id": "t", "hwp_id": case.hwp_id})
    with pytest.raises(ValidationError) as err:
        parse_request(InstanceCreate, {"image_id": case.image_id, "hwp_id": case.hwp_id, "name": "bad name!"})
    assert "name" in err.value.details["fields"]
    with pytest.raises(ValidationError):
        parse_request(InstanceCreate, {"image_id": case.image_id, "hwp_id": case.hwp_id, "colour": "red"})


def test_list_filters_by_state_realm_and_owner(case: DriverCase) -> None:
    d, alice, bob, admin = case.driver, case.alice, case.bob, case.admin
    running = boot(case, name="runner")
    halted = stopped(case, name="halted")
    bobs = boot(case, bob, name="bobs")

    ids = lambda insts: {i.id for i in insts}  # noqa: E731
    assert ids(d.list_instances(alice)) == {running.id, halted.id}
    assert ids(d.list_instances(alice, InstanceFilter(state=S.RUNNING))) == {running.id}
    assert ids(d.list_instances(alice, InstanceFilter(state=S.STOPPED))) == {halted.id}
    assert ids(d.list_instances(admin, InstanceFilter(owner_id=bob.user_id))) == {bobs.id}
    assert ids(d.list_instances(admin)) >= {running.id, halted.id, bobs.id}
    # A tenant naming another tenant as owner learns nothing.
    assert d.list_instances(bob, InstanceFilter(owner_id=alice.user_id)) == []
    if Feature.realm_filter in d.capabilities().features:
        realm = running.realm
        assert ids(d.list_instances(alice, InstanceFilter(realm_id=realm))) == {running.id, halted.id}
        assert d.list_instances(alice, InstanceFilter(realm_id="no-such-realm")) == []


def test_instance_count_creates_distinct_instances(case: DriverCase) -> None:
    d = case.driver
    req = InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, name="many")
    with pytest.raises(ValidationError):
        d.create_instances(case.alice, req, 0)
    if Feature.instance_count not in d.capabilities().features:
        return  # refusal covered by test_every_undeclared_feature_is_refused_as_not_supported
    made = d.create_instances(case.alice, req, 3)
    assert len({i.id for i in made}) == 3
    assert sorted(i.name for i in made) == ["many-1", "many-2", "many-3"]


def test_user_data_is_accepted_when_declared(case: DriverCase) -> None:
    if Feature.user_data not in case.driver.capabilities().features:
        return  # refusal covered by test_every_undeclared_feature_is_refused_as_not_supported
    inst = boot(case, user_data="#cloud-config\nhostname: hearth\n")
    assert inst.state is S.RUNNING
    with pytest.raises(ValidationError):
        parse_request(InstanceCreate, {"image_id": "x", "hwp_id": "y", "user_data": "x" * (64 * 1024 + 1)})


def test_an_instance_made_under_a_chosen_id_has_it_everywhere_or_the_request_is_refused(
    case: DriverCase,
) -> None:
    """``InstanceCreate.instance_id`` (feature ``chosen_id``): the server answers a create with
    the instance's URL before the backend made it, so the backend must make it under that id."""
    chosen = new_id()
    request = InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, instance_id=chosen)
    if Feature.chosen_id not in case.driver.capabilities().features:
        with pytest.raises(NotSupported):
            case.driver.create_instance(case.alice, request)
        assert case.driver.list_instances(case.alice) == []
        return
    made = case.driver.create_instance(case.alice, request)
    assert made.id == chosen
    assert case.driver.get_instance(case.alice, chosen).id == chosen
    assert [i.id for i in case.driver.list_instances(case.alice)] == [chosen]
    wait_for_state(case.driver, case.alice, chosen, S.RUNNING, timeout=case.wait_timeout)
    case.driver.stop_instance(case.alice, chosen, force=True)
    wait_for_state(case.driver, case.alice, chosen, S.STOPPED, timeout=case.wait_timeout)
    case.driver.destroy_instance(case.alice, chosen)
