"""Pieces of the libvirt driver that need no hypervisor: state mapping, metadata, error mapping,
the XML of an attached disk."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import libvirt
import pytest

from hearth.designer.targets import BUS_PREFIX
from hearth.domain import Domain
from hearth.drivers.libvirt import build, metadata
from hearth.drivers.libvirt.config import Host, LibvirtConfig, realm_for
from hearth.drivers.libvirt.errors import translate
from hearth.drivers.libvirt.states import map_state
from hearth.errors import BackendError, NotFound, ValidationError
from hearth.vocab.device_names import DISK_PREFIXES
from hearth.vocab.instance_states import InstanceState as S


@pytest.mark.parametrize(
    ("state", "reason", "stopping", "expected"),
    [
        (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED, False, S.RUNNING),
        (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_BOOTED, True, S.STOPPING),
        (libvirt.VIR_DOMAIN_BLOCKED, 0, False, S.RUNNING),
        (libvirt.VIR_DOMAIN_SHUTDOWN, 0, False, S.STOPPING),
        (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN, False, S.STOPPED),
        (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED, False, S.STOPPED),
        (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_CRASHED, False, S.ERROR),
        (libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_USER, False, S.PAUSED),
        (libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_IOERROR, False, S.ERROR),
        (libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP, False, S.PENDING),
        (libvirt.VIR_DOMAIN_PMSUSPENDED, 0, False, S.PAUSED),
        (libvirt.VIR_DOMAIN_CRASHED, 0, False, S.ERROR),
        (libvirt.VIR_DOMAIN_NOSTATE, 0, False, S.PENDING),
    ],
)
def test_libvirt_states_map_onto_instance_states(
    state: int, reason: int, stopping: bool, expected: S
) -> None:
    got, why = map_state(state, reason, stopping)
    assert got is expected
    assert (why is not None) == (expected is S.ERROR)


def test_metadata_round_trips_through_domain_xml() -> None:
    meta = metadata.InstanceMeta(
        owner_id="alice",
        name="web-1",
        created=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        hwp_id="flexible",
        image_id="test-guest",
        key_name="deploy",
        overrides={"memory": 512, "architecture": "x86_64"},
        owned_volumes=("pool/a.qcow2",),
    )
    dom = Domain(name="x")
    metadata.write(dom, meta)
    text = dom.to_xml()
    assert metadata.NS in text and 'owner="alice"' in text
    again = metadata.read(Domain.from_xml(text))
    assert again == meta
    assert metadata.read(Domain(name="not-ours")) is None


def test_libvirt_errors_become_typed_errors() -> None:
    conn = libvirt.open("test:///default")
    try:
        with pytest.raises(libvirt.libvirtError) as raw:
            conn.lookupByName("no-such-domain")
        err = translate(raw.value, "looking up no-such-domain")
        assert isinstance(err, NotFound)
        assert err.message.startswith("looking up no-such-domain failed: ")
        assert "no-such-domain" in err.message
        with pytest.raises(libvirt.libvirtError) as raw:
            conn.defineXML("<domain type='test'><name>broken")
        broken = translate(raw.value, "defining")  # our own XML being wrong is a backend failure
        assert isinstance(broken, BackendError) and "Premature end of data" in broken.message
    finally:
        conn.close()


def test_configuration_is_checked() -> None:
    assert realm_for("qemu+ssh://root@kvm-1.example.org/system") == "kvm-1.example.org"
    assert realm_for("qemu:///system") == "local"
    assert Host("local", "qemu:///system").is_local and not Host("r", "qemu+ssh://h/system").is_local
    config = LibvirtConfig.for_uris(["qemu:///system", "test:///default"], state_dir=Path("/x"))
    assert [h.realm for h in config.hosts] == ["local", "local-2"]
    for bad in (
        lambda: Host("bad realm", "qemu:///system"),
        lambda: Host("r", "not-a-uri"),
        lambda: LibvirtConfig(hosts=(), state_dir=Path("/x")),
        lambda: LibvirtConfig(hosts=(Host("a", "test:///default"),), state_dir=Path("/x"), prefix="Bad"),
    ):
        with pytest.raises(ValidationError):
            bad()


@pytest.mark.parametrize("prefix", DISK_PREFIXES)
def test_an_attached_disk_is_on_the_bus_its_name_says(prefix: str) -> None:
    disk = build.disk_xml("/pool/v.qcow2", "qcow2", f"{prefix}b")
    assert disk.device == "disk"
    assert disk.target_dev == f"{prefix}b"
    assert disk.target_bus is not None and BUS_PREFIX[disk.target_bus] == prefix
    assert (disk.target_bus == "scsi") is (prefix == "sd")


@pytest.mark.parametrize("device", ["vdaa", "fda", "sdb1", "nvme0"])
def test_an_attached_disk_needs_a_volume_device_name(device: str) -> None:
    with pytest.raises(ValidationError, match="is not a disk name"):
        build.disk_xml("/pool/v.qcow2", "qcow2", device)
