"""The driver reconnects by itself after libvirtd restarts (against a private libvirtd)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.libvirt import Host, LibvirtConfig, open_libvirt_driver
from hearth.drivers.resources import InstanceCreate, RealmState
from hearth.errors import BackendError
from hearth.vocab.instance_states import InstanceState

from ..contract.libvirt_cases import guest_files, register_guest
from .conftest import PrivateLibvirtd


def test_operations_succeed_after_libvirtd_restarts(
    private_libvirtd: PrivateLibvirtd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = Caller("alice")
    config = LibvirtConfig(hosts=(Host("local", private_libvirtd.uri),), state_dir=tmp_path, prefix="hrc-")
    driver = open_libvirt_driver(config)
    try:
        register_guest(driver, guest_files())
        before = driver.create_instance(alice, InstanceCreate(image_id="test-guest", hwp_id="small"))
        assert before.state is InstanceState.RUNNING
        link = driver.context.links["local"]
        assert link.reconnects == 0

        private_libvirtd.stop()
        with pytest.raises(BackendError) as err:  # while it is down: a typed error, never libvirtError
            driver.list_instances(alice)
        assert private_libvirtd.uri in err.value.message
        assert driver.get_realm(alice, "local").state is RealmState.UNAVAILABLE

        private_libvirtd.start()
        # The test driver keeps its guests in the daemon's memory, so the old one is gone;
        # what matters is that the same driver object works again without being reopened.
        assert driver.get_realm(alice, "local").state is RealmState.AVAILABLE
        assert driver.list_instances(alice) == []
        after = driver.create_instance(alice, InstanceCreate(image_id="test-guest", hwp_id="small"))
        assert after.state is InstanceState.RUNNING
        assert [i.id for i in driver.list_instances(alice)] == [after.id]
        assert link.reconnects >= 1
    finally:
        driver.close()


def test_parallel_first_requests_to_a_restarted_host_all_get_its_pool(
    private_libvirtd: PrivateLibvirtd, tmp_path: Path
) -> None:
    """The disk pool is (re)made on first use; requests arriving together must not race to make
    it (one of them used to fail with "pool already exists" or "already active")."""
    alice = Caller("alice", is_admin=True)
    config = LibvirtConfig(
        hosts=(Host("local", private_libvirtd.uri),),
        state_dir=tmp_path,
        prefix="hrp-",
        pool="hrp-pool",
        pool_path=str(tmp_path / "pool"),
    )
    driver = open_libvirt_driver(config)
    try:
        for _round in range(3):  # each restart of the test driver forgets the pool
            private_libvirtd.stop()
            private_libvirtd.start()
            start = threading.Barrier(12)

            def first_use(start: threading.Barrier = start) -> list[str]:
                start.wait()
                return [p.name for p in driver.list_pools(alice)]

            with ThreadPoolExecutor(12) as pool:
                listed = list(pool.map(lambda _: first_use(), range(12)))
            assert all("hrp-pool" in names for names in listed)
    finally:
        driver.close()
