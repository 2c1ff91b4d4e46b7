"""Mock-driver specifics: seeding, concurrency, id uniqueness, read-time timing, error translation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from hearth.drivers import Caller
from hearth.drivers.mock import MockDriver, MockTiming, open_mock_driver
from hearth.drivers.resources import (
    Action,
    HwpPropertyName,
    InstanceCreate,
    InterfaceCreate,
    KeyCreate,
    PropertyKind,
    RealmState,
)
from hearth.errors import BackendError, InvalidState
from hearth.store import default_url
from hearth.store.demo import ADMIN_USER, DEMO_USER
from hearth.store.users import authenticate
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType

from .conftest import PgCluster

ALICE = Caller("alice")
ADMIN = Caller("admin-id", is_admin=True)
REQ = InstanceCreate(image_id="debian-12", hwp_id="small")


class Clock:
    """A hand-driven clock, so timing is checked by moving time, never by sleeping."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def url(tmp_path: Path) -> str:
    return default_url(tmp_path)


@pytest.fixture
def mock(url: str) -> Iterator[MockDriver]:
    d = open_mock_driver(url, timing=MockTiming(boot_seconds=0, shutdown_seconds=0))
    yield d
    d.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return default_url(tmp_path)
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


def test_first_start_seeds_a_small_real_catalogue(mock: MockDriver) -> None:
    assert {i.id: i.os for i in mock.list_images(ALICE)} == {
        "debian-12": "debian12",
        "fedora-40": "fedora40",
        "alpine-3.19": "alpine3.19",
    }
    assert {r.id: r.state for r in mock.list_realms(ALICE)} == {
        "local": RealmState.AVAILABLE,
        "remote": RealmState.UNAVAILABLE,
    }
    profiles = {p.id: p for p in mock.list_hardware_profiles(ALICE)}
    assert set(profiles) == {"small", "medium", "flexible", "opaque"}
    assert profiles["opaque"].properties == {}
    assert {p.kind for p in profiles["small"].properties.values()} == {PropertyKind.fixed}
    flexible = profiles["flexible"].properties
    assert flexible[HwpPropertyName.memory].kind is PropertyKind.range
    assert (flexible[HwpPropertyName.memory].first, flexible[HwpPropertyName.memory].last) == (512, 8192)
    assert flexible[HwpPropertyName.cpu].values == [1, 2, 4]
    for demo in (DEMO_USER, ADMIN_USER):
        assert authenticate(mock.context.engine, demo.name, demo.password).is_admin is demo.is_admin


def test_seeding_is_idempotent_and_happens_on_first_start_only(url: str) -> None:
    first = open_mock_driver(url)
    before = ([i.id for i in first.list_images(ADMIN)], [p.id for p in first.list_hardware_profiles(ADMIN)])
    first.delete_image(ADMIN, "fedora-40")  # an admin's deletion must survive restarts
    first.close()
    for _ in range(2):
        again = open_mock_driver(url)
        assert [i.id for i in again.list_images(ADMIN)] == [i for i in before[0] if i != "fedora-40"]
        assert [p.id for p in again.list_hardware_profiles(ADMIN)] == before[1]
        with again.context.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 2
        again.close()


def test_fifty_parallel_creates_give_fifty_distinct_instances(any_url: str) -> None:
    driver = open_mock_driver(any_url)
    try:
        callers = [Caller(f"user-{i % 5}") for i in range(50)]
        with ThreadPoolExecutor(max_workers=50) as pool:
            made = list(pool.map(lambda c: driver.create_instance(c, REQ), callers))
        ids = {m.id for m in made}
        assert len(ids) == 50
        assert {i.id for i in driver.list_instances(ADMIN)} == ids
        assert len(driver.list_instances(Caller("user-3"))) == 10
    finally:
        driver.close()


def test_ids_are_never_reused_after_delete(mock: MockDriver) -> None:
    """Ids are random uuid4s kept nowhere that a delete could free them for reuse."""
    seen: set[str] = set()
    for _ in range(3):
        batch = [mock.create_instance(ALICE, REQ) for _ in range(10)]
        for inst in batch:
            assert uuid.UUID(inst.id).version == 4
            assert inst.id not in seen
            seen.add(inst.id)
            mock.stop_instance(ALICE, inst.id, force=True)
            mock.destroy_instance(ALICE, inst.id)
    assert mock.list_instances(ALICE) == []
    assert len(seen) == 30


def _driver_with_clock(url: str, clock: Callable[[], float], **timing: float) -> MockDriver:
    return open_mock_driver(url, timing=MockTiming(**timing), clock=clock)


def test_pending_becomes_running_once_the_boot_time_has_passed(url: str) -> None:
    clock = Clock()
    d = _driver_with_clock(url, clock, boot_seconds=0.5, shutdown_seconds=0.3)
    inst = d.create_instance(ALICE, REQ)
    assert inst.state is InstanceState.PENDING and inst.actions == []
    with pytest.raises(InvalidState, match="while it is PENDING; allowed now: none"):
        d.stop_instance(ALICE, inst.id)
    clock.now += 0.49
    assert d.get_instance(ALICE, inst.id).state is InstanceState.PENDING
    clock.now += 0.02
    assert d.get_instance(ALICE, inst.id).state is InstanceState.RUNNING
    assert [i.state for i in d.list_instances(ALICE)] == [InstanceState.RUNNING]
    d.close()


def test_graceful_stop_takes_the_shutdown_time_and_is_forced_at_the_timeout(url: str) -> None:
    clock = Clock()
    d = _driver_with_clock(url, clock, boot_seconds=0, shutdown_seconds=5.0)
    a = d.create_instance(ALICE, REQ)
    b = d.create_instance(ALICE, REQ)
    c = d.create_instance(ALICE, REQ)
    assert d.stop_instance(ALICE, a.id).state is InstanceState.STOPPING  # graceful: 5 s
    assert d.stop_instance(ALICE, b.id, timeout=1.0).state is InstanceState.STOPPING  # forced at 1 s
    assert d.stop_instance(ALICE, c.id, force=True).state is InstanceState.STOPPED
    clock.now += 1.0
    assert d.get_instance(ALICE, a.id).state is InstanceState.STOPPING
    assert d.get_instance(ALICE, b.id).state is InstanceState.STOPPED
    clock.now += 4.0
    assert d.get_instance(ALICE, a.id).state is InstanceState.STOPPED
    d.close()


def test_error_state_allows_only_destroy(mock: MockDriver) -> None:
    inst = mock.create_instance(ALICE, REQ)
    mock.simulate_crash(inst.id, "qemu exited with status 1")
    broken = mock.get_instance(ALICE, inst.id)
    assert broken.state is InstanceState.ERROR and broken.state_reason == "qemu exited with status 1"
    assert broken.actions == [Action.destroy]
    with pytest.raises(InvalidState, match="allowed now: destroy"):
        mock.start_instance(ALICE, inst.id)
    assert mock.destroy_instance(ALICE, inst.id).state is InstanceState.FINISHED


def test_unavailable_realm_is_refused(mock: MockDriver) -> None:
    with pytest.raises(InvalidState, match="realm remote is UNAVAILABLE"):
        mock.create_instance(ALICE, InstanceCreate(image_id="debian-12", hwp_id="small", realm_id="remote"))
    assert mock.create_instance(ALICE, REQ).realm == "local"


def test_store_failures_surface_as_backend_errors_without_sql(mock: MockDriver) -> None:
    with mock.context.engine.begin() as conn:
        conn.execute(text("DROP TABLE mock_snapshots"))
    with pytest.raises(BackendError) as err:
        mock.list_snapshots(ALICE)
    assert err.value.message == "the mock driver's store failed (OperationalError)"
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_key_store_failures_are_backend_errors_too(mock: MockDriver) -> None:
    with mock.context.engine.begin() as conn:
        conn.execute(text("DROP TABLE keys"))
    with pytest.raises(BackendError, match=r"^the key store failed \(OperationalError\)$"):
        mock.list_keys(ALICE)
    with pytest.raises(BackendError):
        mock.create_key(ALICE, KeyCreate(name="k"))


def test_interfaces_list_in_creation_order_not_mac_order(mock: MockDriver) -> None:
    """NICs added in one order with MACs that sort the other way come back as added."""
    inst = mock.create_instance(ALICE, REQ)
    macs = ["52:54:00:00:00:03", "52:54:00:00:00:02", "52:54:00:00:00:01"]
    for mac in macs:
        mock.create_interface(ALICE, inst.id, InterfaceCreate(type=InterfaceType.user, mac=mac))
    listed = [n.mac for n in mock.list_interfaces(ALICE, inst.id)]
    assert [m for m in listed if m in macs] == macs
    # The order also holds against NICs the instance was created with: ours come after them.
    assert listed[-len(macs) :] == macs
