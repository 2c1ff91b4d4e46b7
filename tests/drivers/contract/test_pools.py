"""Storage pools on every backend: listed and got alike by every user, and a template disk's
``pool`` resolved with the same lookup, so what ``list_pools`` shows is what create accepts."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, Operation, wait_for_state
from hearth.drivers.caller import SYSTEM_OWNER
from hearth.drivers.resources import InstanceCreate, InstanceSpec, PoolState, StoragePool
from hearth.errors import NotFound, NotSupported, ValidationError
from hearth.vocab.instance_states import InstanceState

from .helpers import DriverCase, serves

TEMPLATE = "tmpl-pools"


def _stable(p: StoragePool) -> tuple[object, ...]:
    """What cannot change between two reads (byte figures move as other tests write files)."""
    return (p.id, p.name, p.owner_id, p.created, p.type, p.state, p.path, p.realm)


def _spec(case: DriverCase, pool: str) -> InstanceSpec:
    fields: dict[str, object] = {"os": "debian11", "memory_mib": 160, "vcpus": 1, **case.spec_fields}
    return InstanceSpec.model_validate({**fields, "disks": [{"size_gib": 1, "pool": pool}]})


def test_pools_are_listed_and_got_the_same_for_every_user(case: DriverCase) -> None:
    d = case.driver
    if not serves(d, Operation.pools_list, lambda: d.list_pools(case.alice)):
        return
    pools = d.list_pools(case.alice)
    assert pools, "a driver serving pools has at least the one its disks go to"
    assert len({p.id for p in pools}) == len(pools)
    realms = {r.id for r in d.list_realms(case.alice)}
    for p in pools:
        assert p.owner_id == SYSTEM_OWNER and p.name and p.realm in realms
        if p.state is PoolState.ACTIVE:
            assert p.capacity_bytes is not None and p.capacity_bytes > 0
            assert p.available_bytes is not None and 0 <= p.available_bytes <= p.capacity_bytes
            assert p.allocation_bytes is not None and 0 <= p.allocation_bytes <= p.capacity_bytes
        assert _stable(d.get_pool(case.alice, p.id)) == _stable(p)
    # Host-level, like realms: every user, admin or not, sees the same pools.
    for who in (case.bob, case.admin):
        assert [_stable(p) for p in d.list_pools(who)] == [_stable(p) for p in pools]
        assert d.get_pool(who, pools[0].id).id == pools[0].id
    with pytest.raises(NotFound) as err:
        d.get_pool(case.alice, "no-such-pool")
    assert "no-such-pool" in err.value.message


def test_a_template_disk_in_a_missing_pool_is_refused_naming_it(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    before = {i.id for i in d.list_instances(alice)}
    request = InstanceCreate(template_id=TEMPLATE, hwp_id=case.hwp_id, spec=_spec(case, "no-such-pool"))
    if Feature.templates not in d.capabilities().features:
        with pytest.raises(NotSupported):  # no templates at all (EC2 boots AMIs)
            d.create_instance(alice, request)
        assert {i.id for i in d.list_instances(alice)} == before
        return
    with pytest.raises(ValidationError) as err:
        d.create_instance(alice, request)
    assert "no-such-pool" in err.value.message
    assert {i.id for i in d.list_instances(alice)} == before


def test_a_template_disk_in_a_listed_pool_is_made(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.pools_list, lambda: d.list_pools(alice)):
        return
    usable = [p for p in d.list_pools(alice) if p.state is PoolState.ACTIVE]
    assert usable
    # The realm instances go to by default is the first available one; pick a pool there.
    realm = next(r.id for r in d.list_realms(alice) if r.state.value == "AVAILABLE")
    pool = next(p for p in usable if p.realm == realm)
    spec = _spec(case, pool.name)  # what a template names; ids that differ: tests/drivers/libvirt
    made = d.create_instance(
        alice, InstanceCreate(template_id=TEMPLATE, hwp_id=case.hwp_id, spec=spec, realm_id=realm)
    )
    assert made.template == TEMPLATE and made.realm == realm
    inst = wait_for_state(d, alice, made.id, InstanceState.RUNNING, timeout=case.wait_timeout)
    d.stop_instance(alice, inst.id, force=True)
    wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=case.wait_timeout)
    d.destroy_instance(alice, inst.id)
