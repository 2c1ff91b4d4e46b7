"""The libvirt driver's storage pools on real libvirt: a pool defined on the host in the test is
listed with its figures, a template disk naming it is made in it, and ids stay unique when one
driver spans several hosts (test:///default for the fast cases, qemu:///system for a real boot)."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libvirt
import pytest

from hearth.domain import Domain
from hearth.domain import StoragePool as PoolXML
from hearth.drivers import wait_for_state
from hearth.drivers.libvirt import LibvirtConfig, open_libvirt_driver
from hearth.drivers.libvirt.config import Host
from hearth.drivers.resources import InstanceCreate, InstanceSpec, PoolState, PoolType
from hearth.errors import InvalidState, NotFound, ValidationError
from hearth.vocab.instance_states import InstanceState

from ..contract.helpers import DriverCase
from ..contract.libvirt_cases import SYSTEM_ROOT, libvirt_case


@contextmanager
def dir_pool(uri: str, name: str, path: Path) -> Iterator[libvirt.virStoragePool]:
    """A started dir pool at ``path`` defined straight on the host; deleted (volumes too) after."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    xml = PoolXML(type="dir", name=name)
    xml.target_path = str(path)
    conn = libvirt.open(uri)
    pool = conn.storagePoolDefineXML(xml.to_xml(), 0)
    try:
        pool.create(0)
        yield pool
    finally:
        if pool.isActive():
            pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                vol.delete(0)
            pool.destroy()
        pool.undefine()
        conn.close()


def _spec(case: DriverCase, pool: str) -> InstanceSpec:
    fields: dict[str, object] = {"os": "debian11", "memory_mib": 160, "vcpus": 1, **case.spec_fields}
    return InstanceSpec.model_validate({**fields, "disks": [{"size_gib": 1, "pool": pool}]})


def _disk_files(uri: str, instance_id: str) -> list[str]:
    conn = libvirt.open(uri)
    try:
        xml = Domain.from_xml(conn.lookupByUUIDString(instance_id).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    finally:
        conn.close()
    return [d.source_file for d in xml.devices.disks if d.device == "disk" and d.source_file]


@pytest.fixture
def test_case(tmp_path: Path) -> Iterator[DriverCase]:
    with libvirt_case("test:///default", tmp_path / "state", wait=10.0) as case:
        yield case


def test_a_host_pool_is_listed_with_figures_and_takes_template_disks(
    test_case: DriverCase, tmp_path: Path
) -> None:
    d, alice = test_case.driver, test_case.alice
    name = f"{d.context.config.prefix}extra"
    assert name not in {p.name for p in d.list_pools(alice)}
    with dir_pool("test:///default", name, tmp_path / "extra") as host_pool:
        listed = {p.name: p for p in d.list_pools(alice)}
        pool = listed[name]
        assert pool.id == name and pool.type is PoolType.dir and pool.state is PoolState.ACTIVE
        assert pool.path == str(tmp_path / "extra") and pool.realm == "local"
        assert pool.capacity_bytes and pool.available_bytes is not None and pool.allocation_bytes is not None
        assert d.get_pool(alice, name) == pool

        made = d.create_instance(
            alice, InstanceCreate(template_id="t", hwp_id=test_case.hwp_id, spec=_spec(test_case, name))
        )
        host_pool.refresh(0)
        volumes = {v.path() for v in host_pool.listAllVolumes(0)}
        files = _disk_files("test:///default", made.id)
        assert len(files) == 1 and files[0] in volumes and files[0].startswith(str(tmp_path / "extra"))
        d.stop_instance(alice, made.id, force=True)
        wait_for_state(d, alice, made.id, InstanceState.STOPPED, timeout=10)
        d.destroy_instance(alice, made.id)
        host_pool.refresh(0)
        assert host_pool.listAllVolumes(0) == []  # the instance owned its disk

        # Stopped on the host: still listed, figures unknown, and no disk is made in it.
        host_pool.destroy()
        stopped = d.get_pool(alice, name)
        assert stopped.state is PoolState.INACTIVE and stopped.capacity_bytes is None
        with pytest.raises(InvalidState) as err:
            d.create_instance(
                alice, InstanceCreate(template_id="t", hwp_id=test_case.hwp_id, spec=_spec(test_case, name))
            )
        assert name in err.value.message
    with pytest.raises(NotFound):
        d.get_pool(alice, name)


def test_pool_ids_name_the_realm_when_the_driver_has_several_hosts(tmp_path: Path) -> None:
    prefix = f"ht{secrets.token_hex(3)}-"
    config = LibvirtConfig(
        hosts=(Host("a", "test:///default"), Host("b", "test:///default")),
        state_dir=tmp_path,
        prefix=prefix,
    )
    driver = open_libvirt_driver(config)
    try:
        alice = DriverCase(driver=driver, image_id="", hwp_id="small", wait_timeout=10).alice
        pools = driver.list_pools(alice)
        ids = [p.id for p in pools]
        assert len(set(ids)) == len(ids)
        assert {"a.default-pool", "b.default-pool"} <= set(ids)
        got = driver.get_pool(alice, "b.default-pool")
        assert got.realm == "b" and got.name == "default-pool"
        with pytest.raises(NotFound):
            driver.get_pool(alice, "default-pool")  # a bare name is not an id here
        with pytest.raises(NotFound):
            driver.get_pool(alice, "c.default-pool")
        # A disk names the pool by name (found on the placement host) or by that host's id.
        spec = InstanceSpec.model_validate(
            {
                "os": "debian11",
                "memory_mib": 160,
                "vcpus": 1,
                "disks": [{"size_gib": 1, "pool": "a.default-pool"}],
            }
        )
        with pytest.raises(ValidationError) as err:
            driver.create_instance(
                alice, InstanceCreate(template_id="t", hwp_id="small", spec=spec, realm_id="b")
            )
        assert "a.default-pool" in err.value.message and "realm b" in err.value.message
        made = driver.create_instance(
            alice, InstanceCreate(template_id="t", hwp_id="small", spec=spec, realm_id="a")
        )
        assert made.realm == "a"
        driver.stop_instance(alice, made.id, force=True)
        driver.destroy_instance(alice, made.id)
    finally:
        driver.close()
        from ..contract.libvirt_cases import purge

        purge("test:///default", prefix)


def test_a_template_disk_lands_in_the_named_pool_on_qemu_system(system: DriverCase) -> None:
    """Real libvirtd, real volume in a pool defined for this test, real boot under TCG."""
    d, alice = system.driver, system.alice
    name = f"{d.context.config.prefix}extra"
    where = SYSTEM_ROOT / f"pool-{secrets.token_hex(4)}"
    try:
        with dir_pool("qemu:///system", name, where) as host_pool:
            pool = d.get_pool(alice, name)
            assert pool.state is PoolState.ACTIVE and pool.path == str(where)
            assert pool.capacity_bytes and pool.capacity_bytes > 0
            made = d.create_instance(
                alice, InstanceCreate(template_id="t", hwp_id=system.hwp_id, spec=_spec(system, name))
            )
            try:
                host_pool.refresh(0)
                volumes = {v.path() for v in host_pool.listAllVolumes(0)}
                files = _disk_files("qemu:///system", made.id)
                assert len(files) == 1 and files[0] in volumes
                assert Path(files[0]).parent == where
                wait_for_state(d, alice, made.id, InstanceState.RUNNING, timeout=system.wait_timeout)
            finally:
                d.stop_instance(alice, made.id, force=True)
                wait_for_state(d, alice, made.id, InstanceState.STOPPED, timeout=system.wait_timeout)
                d.destroy_instance(alice, made.id)
            host_pool.refresh(0)
            assert host_pool.listAllVolumes(0) == []
    finally:
        shutil.rmtree(where, ignore_errors=True)
