"""Images captured and deleted on disk, and instances built from template specs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.qemu import QemuDriver
from hearth.drivers.resources import ImageCreate, InstanceCreate, InstanceSpec
from hearth.errors import NotFound, NotSupported, ValidationError
from hearth.testing.guest import GuestImage
from hearth.vocab.instance_states import InstanceState
from tests.host.netdevs import unique

from .case import GUEST_IMAGE, GUEST_OS, WAIT

pytestmark = pytest.mark.guest
ALICE = Caller("alice")


def _info(path: Path) -> dict[str, object]:
    done = subprocess.run(
        ["qemu-img", "info", "-U", "--output=json", str(path)], capture_output=True, text=True, check=True
    )
    data: dict[str, object] = json.loads(done.stdout)
    return data


def _stopped(qemu: QemuDriver, **fields: object) -> str:
    req = InstanceCreate.model_validate({"image_id": GUEST_IMAGE, "hwp_id": "small", **fields})
    made = qemu.create_instance(ALICE, req)
    qemu.stop_instance(ALICE, made.id, force=True)
    return wait_for_state(qemu, ALICE, made.id, InstanceState.STOPPED, timeout=WAIT).id


def test_instances_run_on_overlays_and_captures_stand_alone(qemu: QemuDriver) -> None:
    src = _stopped(qemu)
    root = qemu.context.layout.instance_dir(src) / "root.qcow2"
    assert _info(root)["virtual-size"] == 1024**3  # the profile's storage: 1 GB
    img = qemu.create_image(ALICE, ImageCreate(instance_id=src, name="captured"))
    disk = qemu.context.layout.image_dir(img.id) / "disk.qcow2"
    assert "backing-filename" not in _info(disk)
    assert (qemu.context.layout.image_dir(img.id) / "kernel").is_file()

    user = _stopped(qemu, image_id=img.id)
    overlay = qemu.context.layout.instance_dir(user) / "root.qcow2"
    assert Path(str(_info(overlay)["full-backing-filename"])).resolve() == disk.resolve()
    qemu.delete_image(ALICE, img.id)  # hidden at once ...
    with pytest.raises(NotFound):
        qemu.get_image(ALICE, img.id)
    assert disk.is_file()  # ... but its files stay while an instance builds on them
    qemu.destroy_instance(ALICE, user)
    assert not qemu.context.layout.image_dir(img.id).exists()
    qemu.destroy_instance(ALICE, src)


def _spec(guest: GuestImage, **extra: object) -> InstanceSpec:
    fields: dict[str, object] = {
        "os": GUEST_OS,
        "memory_mib": 192,
        "vcpus": 1,
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
        "cmdline": guest.append("wait"),
        "graphics": {"type": "none"},
        **extra,
    }
    return InstanceSpec.model_validate(fields)


def _from_spec(qemu: QemuDriver, spec: InstanceSpec) -> str:
    req = InstanceCreate(template_id="tmpl", hwp_id="opaque", spec=spec)
    return qemu.create_instance(ALICE, req).id


def test_a_spec_gets_its_disks_and_nics(qemu: QemuDriver, guest: GuestImage) -> None:
    with pytest.raises(NotFound):  # a disk from an image that does not exist
        _from_spec(qemu, _spec(guest, disks=[{"image_id": "no-such-image"}]))
    base = _stopped(qemu)
    img = qemu.create_image(ALICE, ImageCreate(instance_id=base, name="captured-base"))
    spec = _spec(
        guest,
        disks=[{"size_gib": 2, "format": "raw"}, {"image_id": img.id}],
        interfaces=[{"type": "user", "model": "e1000", "mac": "52:54:00:7e:00:05"}],
    )
    iid = _from_spec(qemu, spec)
    inst = wait_for_state(qemu, ALICE, iid, InstanceState.RUNNING, timeout=WAIT)
    assert (inst.memory_mib, inst.vcpus, inst.template, inst.image) == (192, 1, "tmpl", None)
    blocks = {b["qdev"]: b for b in qemu.context.sup.get(iid).query_block() if b.get("inserted")}
    files = sorted(Path(b["inserted"]["file"]).name for b in blocks.values())
    assert files == ["disk1.qcow2", "root.raw", "seed.iso"]
    [nic] = qemu.list_interfaces(ALICE, iid)
    assert (nic.mac, nic.model.value) == ("52:54:00:7e:00:05", "e1000")
    qemu.stop_instance(ALICE, iid, force=True)
    qemu.destroy_instance(ALICE, iid)


NO_BRIDGE = unique("hnb")  # a bridge no host has


@pytest.mark.parametrize(
    ("extra", "error", "word"),
    [
        ({"graphics": {"type": "spice"}}, NotSupported, "VNC only"),
        ({"kernel": "/etc/passwd"}, ValidationError, "media directory"),
        ({"cdrom": "https://user:secret@example.org/x.iso"}, NotSupported, "***@example.org"),
        ({"disks": [{"size_gib": 1, "pool": "fast"}]}, ValidationError, "pool"),
        ({"interfaces": [{"type": "bridge", "source": NO_BRIDGE}]}, ValidationError, NO_BRIDGE),
        ({"interfaces": [{"type": "network", "source": "default"}]}, ValidationError, "no networks"),
        ({"networks": ["default"]}, ValidationError, "default"),
        ({"max_vcpus": 4}, NotSupported, "vCPUs"),
        ({"os": "no-such-os9"}, ValidationError, "no-such-os9"),
    ],
)
def test_what_a_direct_qemu_host_cannot_do_is_refused_before_anything_is_made(
    qemu: QemuDriver, guest: GuestImage, extra: dict[str, object], error: type[Exception], word: str
) -> None:
    before = {p.name for p in qemu.context.layout.instances.iterdir()}
    with pytest.raises(error) as err:
        _from_spec(qemu, _spec(guest, **extra))
    assert word in str(err.value)
    assert "secret" not in str(err.value)
    assert {p.name for p in qemu.context.layout.instances.iterdir()} == before


def test_a_registered_disk_is_converted_and_grown_per_profile(
    qemu: QemuDriver, guest: GuestImage, tmp_path: Path
) -> None:
    raw = tmp_path / "small.raw"
    raw.write_bytes(b"\1" * 2 * 1024 * 1024)
    img = qemu.register_image(
        "disky", os=GUEST_OS, disk=raw, kernel=guest.kernel, initrd=guest.initrd, cmdline=guest.append()
    )
    base = qemu.context.layout.image_dir(img.id) / "disk.qcow2"
    assert _info(base)["format"] == "qcow2" and _info(base)["virtual-size"] == 2 * 1024 * 1024
    iid = _stopped(qemu, image_id=img.id)  # profile "small": 1 GB of storage
    overlay = _info(qemu.context.layout.instance_dir(iid) / "root.qcow2")
    assert overlay["virtual-size"] == 1024**3
    assert Path(str(overlay["full-backing-filename"])).resolve() == base.resolve()
    iso = tmp_path / "media.iso"
    iso.write_bytes(b"\0" * 0x8001 + b"CD001" + b"\0" * 4096)
    with pytest.raises(ValidationError):
        qemu.register_image("iso", os=GUEST_OS, disk=iso)
    with pytest.raises(ValidationError):
        qemu.register_image("nothing", os=GUEST_OS)
    qemu.destroy_instance(ALICE, iid)
