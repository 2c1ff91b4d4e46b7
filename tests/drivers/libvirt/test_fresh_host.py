"""The libvirt driver on a host as it comes: the default pool made as virt-install makes it, files
QEMU cannot reach refused before libvirt is asked, host devices checked, media sources as roots,
several servers on one host, and a host that is down answered at once."""

from __future__ import annotations

import contextlib
import secrets
import shutil
import stat
from pathlib import Path

import libvirt
import pytest

from hearth.domain import Domain
from hearth.drivers import Caller, wait_for_state
from hearth.drivers.libvirt import Host, LibvirtConfig, LibvirtDriver, open_libvirt_driver
from hearth.drivers.libvirt.connection import Link
from hearth.drivers.resources import (
    DiskCreate,
    DiskUpdate,
    InstanceCreate,
    InstanceFilter,
    InstanceSpec,
    InterfaceCreate,
    PoolState,
    PoolType,
    RealmState,
)
from hearth.errors import BackendError, Forbidden, NotFound, ValidationError
from hearth.store.engine import write_session
from hearth.store.media import MediaSourceRow
from hearth.vocab.disk_devices import RemovableType
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType
from tests.fresh_libvirtd import FreshLibvirtd
from tests.libvirt_host import unique_prefix

from ..contract.helpers import DriverCase
from ..contract.libvirt_cases import guest_files, purge, register_guest

ALICE = Caller("alice")
ADMIN = Caller("root-admin", is_admin=True)


def _spec(case: DriverCase, **extra: object) -> InstanceSpec:
    fields: dict[str, object] = {"os": "debian11", "memory_mib": 160, "vcpus": 1, **case.spec_fields}
    return InstanceSpec.model_validate({**fields, **extra})


def _domain(uri: str, instance_id: str) -> Domain:
    conn = libvirt.open(uri)
    try:
        return Domain.from_xml(conn.lookupByUUIDString(instance_id).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    finally:
        conn.close()


def test_a_fresh_host_gets_libvirts_default_pool_as_virt_install_makes_it(
    fresh_libvirtd: FreshLibvirtd, tmp_path: Path
) -> None:
    """No pool configured, none on the host: the first listing already shows ``default``, a
    started, autostarted dir pool at /var/lib/libvirt/images on that host's own filesystem; a
    second host of the same server (libvirt's test driver) gets its own."""
    prefix = unique_prefix()
    config = LibvirtConfig(
        hosts=(Host("fresh", fresh_libvirtd.uri), Host("t", "test:///default")),
        state_dir=tmp_path,
        prefix=prefix,
    )
    driver = open_libvirt_driver(config)
    try:
        pools = {p.id: p for p in driver.list_pools(ALICE)}
        for pid in ("fresh.default", "t.default"):
            assert pid in pools, sorted(pools)
            assert pools[pid].type is PoolType.dir and pools[pid].state is PoolState.ACTIVE
            assert pools[pid].path == "/var/lib/libvirt/images"
        conn = libvirt.open(fresh_libvirtd.uri)
        try:
            pool = conn.storagePoolLookupByName("default")
            assert pool.autostart() == 1 and pool.isPersistent() == 1 and pool.isActive() == 1
        finally:
            conn.close()
        # It was made inside the fresh daemon's filesystem, not on this host's.
        assert (fresh_libvirtd.host_root / "var/lib/libvirt/images").is_dir()
    finally:
        driver.close()
        conn = libvirt.open("test:///default")
        with contextlib.suppress(libvirt.libvirtError):
            test_pool = conn.storagePoolLookupByName("default")
            test_pool.destroy()
            test_pool.undefine()
        conn.close()
        purge("test:///default", prefix)


def test_a_guest_with_disk_and_seed_runs_from_a_private_state_dir(
    system: DriverCase, system_state: Path
) -> None:
    """The state dir is 0700, as a home directory: QEMU never has to enter it, because disks and
    the cloud-init seed live in the storage pool."""
    d = system.driver
    assert stat.S_IMODE(system_state.stat().st_mode) == 0o700
    made = d.create_instance(
        ALICE,
        InstanceCreate(
            template_id="t",
            hwp_id=system.hwp_id,
            user_data="#cloud-config\n",
            spec=_spec(system, disks=[{"size_gib": 1}]),
        ),
    )
    try:
        wait_for_state(d, ALICE, made.id, InstanceState.RUNNING, timeout=system.wait_timeout)
        sources = [disk.source_file for disk in _domain("qemu:///system", made.id).devices.disks]
        files = [s for s in sources if s]
        assert len(files) == 2, files  # the disk and the seed ISO
        pool_dir = Path(d.context.config.pool_path)
        for f in files:
            assert Path(f).parent == pool_dir and not Path(f).is_relative_to(system_state)
    finally:
        d.stop_instance(ALICE, made.id, force=True)
        wait_for_state(d, ALICE, made.id, InstanceState.STOPPED, timeout=system.wait_timeout)
        d.destroy_instance(ALICE, made.id)


def test_a_kernel_qemu_cannot_reach_is_refused_naming_the_directory_and_the_fix(system: DriverCase) -> None:
    d = system.driver
    guest = guest_files()
    private = guest.initrd.parent / f"private-{secrets.token_hex(4)}"
    private.mkdir(mode=0o700)
    try:
        kernel = private / "vmlinuz"
        shutil.copyfile(guest.kernel, kernel)
        problem = d.host_file_problem(ALICE, "kernel", str(kernel))
        assert problem is not None and str(private) in problem and "chmod o+x" in problem
        assert "libvirt-qemu" in problem  # who QEMU runs as, read from the host's DAC label
        with pytest.raises(ValidationError) as err:
            d.create_instance(
                ALICE,
                InstanceCreate(template_id="t", hwp_id=system.hwp_id, spec=_spec(system, kernel=str(kernel))),
            )
        assert str(private) in err.value.message
        assert d.list_instances(ALICE) == []  # refused before anything was made
        private.chmod(0o711)  # searchable: the same file is fine now
        assert d.host_file_problem(ALICE, "kernel", str(kernel)) is None
    finally:
        shutil.rmtree(private, ignore_errors=True)


def test_a_nic_on_a_missing_host_device_is_a_400_on_create_and_on_live_add(system: DriverCase) -> None:
    d = system.driver
    with pytest.raises(ValidationError, match="Linux bridge 'nosuchbr0' does not exist"):
        d.create_instance(
            ALICE,
            InstanceCreate(
                template_id="t",
                hwp_id=system.hwp_id,
                start=False,
                spec=_spec(system, interfaces=[{"type": "bridge", "source": "nosuchbr0"}]),
            ),
        )
    made = d.create_instance(
        ALICE, InstanceCreate(template_id="t", hwp_id=system.hwp_id, start=False, spec=_spec(system))
    )
    try:
        for kind, source, words in (
            (InterfaceType.bridge, "nosuchbr0", "Linux bridge 'nosuchbr0' does not exist"),
            (InterfaceType.macvtap, "nosuchdev0", "host interface 'nosuchdev0' does not exist"),
            (InterfaceType.macvtap, "lo", "cannot carry a macvtap"),
        ):
            with pytest.raises(ValidationError, match=words):
                d.create_interface(ALICE, made.id, InterfaceCreate(type=kind, source=source))
        assert d.list_interfaces(ALICE, made.id) == []
    finally:
        d.destroy_instance(ALICE, made.id)


@pytest.fixture
def two_servers(tmp_path: Path) -> tuple[LibvirtDriver, LibvirtDriver, str]:
    """Two servers (own stores, own ids, the same name prefix) on one host: libvirt's test
    driver, which every connection of this process shares."""
    prefix = unique_prefix()
    guest = guest_files()
    drivers = []
    for server in ("srv-a", "srv-b"):
        config = LibvirtConfig(
            hosts=(Host("local", "test:///default"),),
            state_dir=tmp_path / server,
            prefix=prefix,
            server_id=server,
            pool=f"{prefix}pool",
            pool_path=str(tmp_path / "pool"),
        )
        driver = open_libvirt_driver(config)
        register_guest(driver, guest)
        drivers.append(driver)
    yield drivers[0], drivers[1], prefix  # type: ignore[misc]
    for driver in drivers:
        driver.close()
    purge("test:///default", prefix)


def test_two_servers_on_one_host_see_only_their_own_until_an_admin_adopts(
    two_servers: tuple[LibvirtDriver, LibvirtDriver, str],
) -> None:
    a, b, prefix = two_servers
    web = a.create_instance(ALICE, InstanceCreate(image_id="test-guest", hwp_id="small", name="web1"))
    assert _domain("test:///default", web.id).name == f"{prefix}web1"  # virsh dumpxml finds it by name
    assert b.list_instances(ALICE) == [] and b.list_instances(ADMIN) == []
    with pytest.raises(NotFound):
        b.get_instance(ADMIN, web.id)
    with pytest.raises(NotFound):
        b.reboot_instance(ADMIN, web.id)
    # The same name on the other server: the domain name takes the id's first characters.
    other = b.create_instance(ALICE, InstanceCreate(image_id="test-guest", hwp_id="small", name="web1"))
    assert _domain("test:///default", other.id).name == f"{prefix}web1-{other.id[:8]}"
    assert [i.id for i in a.list_instances(ADMIN)] == [web.id]
    with pytest.raises(Forbidden):
        b.adopt_instance(ALICE, web.id)
    adopted = b.adopt_instance(ADMIN, web.id)
    assert adopted.id == web.id and adopted.owner_id == ALICE.user_id and adopted.name == "web1"
    assert {i.id for i in b.list_instances(ALICE)} == {web.id, other.id}
    assert a.list_instances(ADMIN) == []
    with pytest.raises(NotFound):
        b.adopt_instance(ADMIN, "00000000-0000-0000-0000-000000000000")


def test_a_file_in_a_media_source_is_attachable_and_one_outside_is_not(tmp_path: Path) -> None:
    prefix = unique_prefix()
    isos = tmp_path / "isos"
    isos.mkdir()
    (isos / "test.iso").write_bytes(b"\0" * 4096)
    (tmp_path / "elsewhere.iso").write_bytes(b"\0" * 4096)
    pool_dir = tmp_path / "pool"  # an allowed directory here, as the default pool's is by default
    pool_dir.mkdir()
    config = LibvirtConfig(
        hosts=(Host("local", "test:///default"),),
        state_dir=tmp_path / "state",
        prefix=prefix,
        pool=f"{prefix}pool",
        pool_path=str(pool_dir),
        file_roots=(pool_dir,),
    )
    driver = open_libvirt_driver(config)
    try:
        register_guest(driver, guest_files())
        made = driver.create_instance(
            ALICE, InstanceCreate(image_id="test-guest", hwp_id="small", start=False)
        )
        outside = DiskCreate.model_validate({"type": "cdrom", "medium": {"path": str(isos / "test.iso")}})
        with pytest.raises(ValidationError, match="outside the allowed directories"):
            driver.create_disk(ALICE, made.id, outside)
        with write_session(driver.context.engine) as s:
            s.add(
                MediaSourceRow(
                    id="m1",
                    name="isos",
                    owner_id="root-admin",
                    type="dir",
                    path=str(isos),
                    root=str(isos.resolve()),
                )
            )
        disk = driver.create_disk(ALICE, made.id, outside)
        assert disk.path == str((isos / "test.iso").resolve()) and disk.type == RemovableType.cdrom.value
        # The disk pool is an allowed directory for admins, never a tenant's media shelf.
        pool_disk = pool_dir / "someone-elses-disk.qcow2"
        pool_disk.write_bytes(b"\0" * 512)
        theirs = DiskCreate.model_validate({"type": "cdrom", "medium": {"path": str(pool_disk)}})
        with pytest.raises(ValidationError, match="guests' disks are not media"):
            driver.update_disk(ALICE, made.id, disk.dev, DiskUpdate(medium=theirs.medium))
        assert driver.update_disk(ADMIN, made.id, disk.dev, DiskUpdate(medium=theirs.medium)).path == str(
            pool_disk.resolve()
        )
        elsewhere = DiskCreate.model_validate(
            {"type": "cdrom", "medium": {"path": str(tmp_path / "elsewhere.iso")}}
        )
        with pytest.raises(ValidationError, match="outside the allowed directories"):
            driver.create_disk(ALICE, made.id, elsewhere)
    finally:
        driver.close()
        purge("test:///default", prefix)


def test_a_host_that_is_down_is_reported_at_start_and_answers_at_once(tmp_path: Path) -> None:
    config = LibvirtConfig(
        hosts=(Host("up", "test:///default"), Host("down", "qemu:///nosuch")), state_dir=tmp_path
    )
    driver = open_libvirt_driver(config)
    try:
        report = driver.host_report()
        assert report["up"] is None
        assert report["down"] is not None and "qemu:///nosuch" in report["down"]
        realms = {r.id: r.state for r in driver.list_realms(ALICE)}
        assert realms == {"up": RealmState.AVAILABLE, "down": RealmState.UNAVAILABLE}
        with pytest.raises(BackendError, match="cannot connect to qemu:///nosuch"):
            driver.list_instances(ALICE, InstanceFilter(realm_id="down"))
        assert driver.list_instances(ALICE, InstanceFilter(realm_id="up")) == []
    finally:
        driver.close()


def test_credentials_in_a_host_uri_never_reach_an_error() -> None:
    link = Link(Host("r", "qemu+tcp://alice:SecretURIpw9@127.0.0.1:1/system"))
    try:
        reason = link.connect()
        assert reason is not None and "SecretURIpw9" not in reason  # the password, never the whole URI
        assert "127.0.0.1:1/system" in reason
    finally:
        link.close()


def test_the_pool_and_prefix_come_from_the_servers_libvirt_table() -> None:
    config = LibvirtConfig.from_options(
        ["qemu:///system"],
        Path("/x"),
        {"name_prefix": "lab", "pool": "fast", "pool_path": "/srv/vm", "shared_networks": ["lan"]},
        server_id="s1",
    )
    assert (config.prefix, config.pool, config.pool_path, config.shared_networks, config.server_id) == (
        "lab-",
        "fast",
        "/srv/vm",
        ("lan",),
        "s1",
    )
    for bad, words in (
        ({"pool_path": "relative"}, "absolute"),
        ({"colour": "red"}, "no key 'colour'"),
        ({"name_prefix": "Lab"}, "name prefix"),
        ({"shared_networks": "lan"}, "list of strings"),
    ):
        with pytest.raises(ValidationError, match=words):
            LibvirtConfig.from_options(["qemu:///system"], Path("/x"), bad)


def test_a_template_whose_kernel_qemu_cannot_reach_shows_it_in_invalid(system: DriverCase) -> None:
    """Valid when stored; once the directory closes, GET names it and instantiating is a 400."""
    from hearth.service import Service
    from hearth.service.template_models import TemplateCreate

    guest = guest_files()
    private = guest.initrd.parent / f"private-{secrets.token_hex(4)}"
    private.mkdir(mode=0o755)
    svc = Service(system.driver, system.driver.context.engine, owns_engine=False)
    try:
        kernel = private / "vmlinuz"
        shutil.copyfile(guest.kernel, kernel)
        assert svc.templates is not None
        made = svc.templates.create(  # type: ignore[attr-defined]
            ADMIN,
            TemplateCreate(
                name="closed",
                os="debian11",
                kernel=str(kernel),
                initrd=str(guest.initrd),
                cmdline=guest.append("wait"),
                networks=[system.nic_network or ""],
            ),
        )
        assert made.invalid.files == []
        private.chmod(0o700)
        shown = svc.templates.get(ADMIN, "closed")  # type: ignore[attr-defined]
        assert shown.invalid.files == [str(kernel)]
        with pytest.raises(ValidationError, match=str(private)):
            svc.templates.instantiate(ADMIN, "closed", name="c1", realm=None, start=False)
    finally:
        svc.tasks.close(wait=True)
        shutil.rmtree(private, ignore_errors=True)
