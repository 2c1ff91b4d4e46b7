"""Ownership: a tenant never sees or touches another's resources; another's id is simply NotFound."""

from __future__ import annotations

import pytest

from hearth.drivers import SYSTEM_OWNER, Operation, wait_for_state
from hearth.drivers.resources import Action, ImageCreate, KeyImport, NetworkCreate, VolumeAttach, VolumeCreate
from hearth.drivers.sshkeys import generate
from hearth.errors import Forbidden, NotFound
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, boot, stopped


def test_another_tenants_instance_is_not_found(case: DriverCase) -> None:
    d, alice, bob = case.driver, case.alice, case.bob
    inst = boot(case)
    assert inst.id not in {i.id for i in d.list_instances(bob)}
    for action in {Action.stop, Action.reboot, Action.suspend} & d.capabilities().actions:
        with pytest.raises(NotFound):
            d.act(bob, inst.id, action)
    with pytest.raises(NotFound) as err:
        d.get_instance(bob, inst.id)
    assert "not found" in err.value.message
    # Alice's instance is untouched by Bob's attempts.
    assert d.get_instance(alice, inst.id).state is InstanceState.RUNNING


def test_not_found_for_another_tenant_reads_like_a_missing_id(case: DriverCase) -> None:
    d = case.driver
    inst = boot(case)
    with pytest.raises(NotFound) as theirs:
        d.get_instance(case.bob, inst.id)
    with pytest.raises(NotFound) as missing:
        d.get_instance(case.bob, "no-such-instance")
    assert theirs.value.message == missing.value.message.replace("no-such-instance", inst.id)


def test_admin_sees_and_acts_on_everything(case: DriverCase) -> None:
    d, admin = case.driver, case.admin
    a = boot(case, case.alice)
    b = boot(case, case.bob)
    assert {a.id, b.id} <= {i.id for i in d.list_instances(admin)}
    assert d.get_instance(admin, b.id).owner_id == case.bob.user_id
    d.stop_instance(admin, a.id, force=True)
    assert wait_for_state(d, case.alice, a.id, InstanceState.STOPPED, timeout=case.wait_timeout)


def test_images_captured_by_a_tenant_are_private(case: DriverCase) -> None:
    d = case.driver
    if not d.capabilities().supports(Operation.images_create):
        return
    inst = stopped(case)
    img = d.create_image(case.alice, ImageCreate(instance_id=inst.id, name="mine"))
    assert img.id not in {i.id for i in d.list_images(case.bob)}
    with pytest.raises(NotFound):
        d.get_image(case.bob, img.id)
    with pytest.raises(NotFound):
        d.delete_image(case.bob, img.id)
    assert img.id in {i.id for i in d.list_images(case.admin)}


def test_shared_catalogue_is_visible_to_all_but_changed_only_by_admins(case: DriverCase) -> None:
    d = case.driver
    shared = [i for i in d.list_images(case.alice) if i.owner_id == SYSTEM_OWNER]
    assert {i.id for i in shared} <= {i.id for i in d.list_images(case.bob)}
    if shared and d.capabilities().supports(Operation.images_delete):
        with pytest.raises(Forbidden):
            d.delete_image(case.alice, shared[0].id)
        assert d.get_image(case.alice, shared[0].id).id == shared[0].id


def test_other_collections_are_isolated_too(case: DriverCase) -> None:
    d, alice, bob = case.driver, case.alice, case.bob
    caps = d.capabilities()
    if caps.supports(Operation.keys_import):
        key = d.import_key(alice, KeyImport(name="alice-key", public_key=generate().public.openssh))
        assert key.id not in {k.id for k in d.list_keys(bob)}
        with pytest.raises(NotFound):
            d.delete_key(bob, key.id)
    if caps.supports(Operation.networks_create):
        net = d.create_network(alice, NetworkCreate(name="alice-net", address_blocks=["10.50.0.0/16"]))
        assert net.id not in {n.id for n in d.list_networks(bob)}
        with pytest.raises(NotFound):
            d.delete_network(bob, net.id)
    if caps.supports(Operation.volumes_create):
        vol = d.create_volume(alice, VolumeCreate(capacity_gb=1))
        assert vol.id not in {v.id for v in d.list_volumes(bob)}
        with pytest.raises(NotFound):
            d.get_volume(bob, vol.id)
        if caps.supports(Operation.volumes_attach):
            bobs = boot(case, bob)
            with pytest.raises(NotFound):  # Bob cannot grab Alice's volume for his guest
                d.attach_volume(bob, vol.id, VolumeAttach(instance_id=bobs.id, device="vdb"))
            with pytest.raises(NotFound):  # nor can Alice reach into Bob's guest
                d.attach_volume(alice, vol.id, VolumeAttach(instance_id=bobs.id, device="vdb"))
