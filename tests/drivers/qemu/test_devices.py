"""What the qemu driver puts into a guest, checked in QEMU itself (query-block, query-pci) and
in the guest's own console: the seed ISO, hot-plugged volumes and NICs, snapshots."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.cloudinit import read_seed_iso, volume_id
from hearth.drivers.qemu import QemuDriver
from hearth.drivers.resources import (
    InstanceCreate,
    InterfaceCreate,
    KeyImport,
    SnapshotCreate,
    VolumeAttach,
    VolumeCreate,
    VolumeState,
)
from hearth.drivers.sshkeys import generate
from hearth.testing.guest import wait_for_console
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from .case import GUEST_IMAGE, WAIT

pytestmark = pytest.mark.guest
ALICE = Caller("alice")


@pytest.fixture(scope="module")
def running(qemu: QemuDriver) -> str:
    """One guest, booted once for the module, with a key and user data; up to its ready marker."""
    key = qemu.import_key(ALICE, KeyImport(name="devkey", public_key=generate().public.openssh))
    made = qemu.create_instance(
        ALICE,
        InstanceCreate(
            image_id=GUEST_IMAGE,
            hwp_id="small",
            name="devices",
            key_name=key.name,
            user_data="#cloud-config\nhostname: devices\n",
        ),
    )
    iid = wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
    wait_for_console(_console(qemu, iid), "HEARTH-GUEST-READY", WAIT)
    return iid


def _console(qemu: QemuDriver, iid: str) -> Path:
    return qemu.context.layout.run / iid / "console.log"


def _blocks(qemu: QemuDriver, iid: str) -> dict[str, str]:
    """qdev id → the file QEMU has open for it."""
    out = {}
    for b in qemu.context.sup.get(iid).query_block():
        qdev = str(b.get("qdev", "")).removeprefix("/machine/peripheral/").removesuffix("/virtio-backend")
        if b.get("inserted"):
            out[qdev] = b["inserted"]["file"]
    return out


def test_the_seed_iso_carries_the_key_and_user_data(qemu: QemuDriver, running: str) -> None:
    seed = next(
        f for dev, f in _blocks(qemu, running).items() if f.endswith("seed.iso") and dev.startswith("sd")
    )
    data = Path(seed).read_bytes()
    assert volume_id(data) == "cidata"
    files = read_seed_iso(data)
    meta = json.loads(files["meta-data"])
    assert meta["instance-id"] == running and meta["local-hostname"] == "devices"
    assert meta["public-keys"] == [qemu.context.keys.by_name(ALICE, "devkey").public_key]
    assert files["user-data"] == b"#cloud-config\nhostname: devices\n"


def test_volume_hotplug_shows_in_query_block_and_in_the_guest(qemu: QemuDriver, running: str) -> None:
    vol = qemu.create_volume(ALICE, VolumeCreate(capacity_gb=1))
    path = qemu.context.layout.volume_file(vol.id)
    log = _console(qemu, running)
    mark = log.stat().st_size
    on = qemu.attach_volume(ALICE, vol.id, VolumeAttach(instance_id=running, device="vdc"))
    assert on.state is VolumeState.IN_USE and on.device == "vdc"
    assert _blocks(qemu, running)["vdc"] == str(path)
    wait_for_console(log, r"UEVENT action=add subsystem=block", WAIT, start=mark)

    snap = qemu.create_snapshot(ALICE, SnapshotCreate(volume_id=vol.id, name="live"))  # QEMU takes it
    info = subprocess.run(
        ["qemu-img", "info", "-U", "--output=json", str(path)], capture_output=True, text=True, check=True
    )
    assert snap.id in {s["name"] for s in json.loads(info.stdout).get("snapshots", [])}
    copy = qemu.create_volume(ALICE, VolumeCreate(capacity_gb=2, snapshot_id=snap.id))
    assert qemu.context.layout.volume_file(copy.id).is_file() and copy.capacity_gb == 2

    mark = log.stat().st_size
    off = qemu.detach_volume(ALICE, vol.id)
    assert off.state is VolumeState.AVAILABLE and off.instance is None
    assert "vdc" not in _blocks(qemu, running)
    wait_for_console(log, r"UEVENT action=remove subsystem=block", WAIT, start=mark)
    qemu.delete_snapshot(ALICE, snap.id)
    qemu.delete_volume(ALICE, vol.id)
    assert not path.exists()


def test_a_volume_attached_while_stopped_is_plugged_in_at_start(qemu: QemuDriver) -> None:
    made = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small"))
    qemu.stop_instance(ALICE, made.id, force=True)
    vol = qemu.create_volume(ALICE, VolumeCreate(capacity_gb=1))
    qemu.attach_volume(ALICE, vol.id, VolumeAttach(instance_id=made.id, device="vdb"))
    snap = qemu.create_snapshot(ALICE, SnapshotCreate(volume_id=vol.id))  # qemu-img, QEMU is off
    qemu.start_instance(ALICE, made.id)
    wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT)
    assert _blocks(qemu, made.id)["vdb"] == str(qemu.context.layout.volume_file(vol.id))
    wait_for_console(_console(qemu, made.id), "HEARTH-GUEST-READY", WAIT)
    qemu.detach_volume(ALICE, vol.id)  # it was plugged behind a root port, so it can come out
    assert "vdb" not in _blocks(qemu, made.id)
    qemu.delete_snapshot(ALICE, snap.id)
    qemu.stop_instance(ALICE, made.id, force=True)
    qemu.destroy_instance(ALICE, made.id)


def test_nic_hotplug_shows_in_query_pci_and_in_the_guest(qemu: QemuDriver, running: str) -> None:
    log = _console(qemu, running)
    mark = log.stat().st_size
    mac = "52:54:00:9a:00:01"
    nic = qemu.create_interface(
        ALICE, running, InterfaceCreate(type=InterfaceType.user, model=NicModel.virtio, mac=mac)
    )
    assert nic.type is InterfaceType.user and nic.source is None and nic.ips == []
    assert "ua-nic-5254009a0001" in qemu.context.sup.get(running).pci_device_ids()
    wait_for_console(log, r"UEVENT action=add subsystem=net", WAIT, start=mark)
    saved = (qemu.context.layout.instance_dir(running) / "domain.xml").read_text()
    assert mac in saved  # persisted for the next start
    qemu.delete_interface(ALICE, running, mac)
    assert "ua-nic-5254009a0001" not in qemu.context.sup.get(running).pci_device_ids()
    assert mac not in (qemu.context.layout.instance_dir(running) / "domain.xml").read_text()
