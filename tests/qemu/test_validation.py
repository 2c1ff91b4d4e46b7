"""Bad input is one clear ValidationError, raised before any QEMU process exists.

The property lists come from the real installed QEMU (probed once, cached).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.errors import ValidationError
from hearth.qemu import Backend, Machine, Supervisor
from hearth.qemu import caps as caps_mod
from hearth.qemu import devices as dev
from hearth.qemu.validate import check_device, check_machine


def _qemu_processes_using(path: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"qemu-system" in cmdline and str(path).encode() in cmdline:
                found.append(int(proc.name))
    return found


def _launch_fails(state_dir: Path, machine: Machine, match: str) -> ValidationError:
    with Supervisor(state_dir) as sup, pytest.raises(ValidationError, match=match) as info:
        sup.launch(machine)
    assert not (state_dir / machine.name).exists(), (
        "nothing may be prepared for a machine that fails validation"
    )
    assert _qemu_processes_using(state_dir) == []
    return info.value


def test_unknown_device_property_names_device_and_property(state_dir: Path) -> None:
    machine = Machine(name="v1")
    machine.devices.append({"driver": "virtio-blk-pci", "id": "hd0", "bootindexx": 1})
    err = _launch_fails(
        state_dir, machine, r"device 'virtio-blk-pci' \(id hd0\) has no property 'bootindexx'"
    )
    assert "did you mean bootindex" in err.message
    assert err.details == {"driver": "virtio-blk-pci", "property": "bootindexx"}


def test_unknown_driver(state_dir: Path) -> None:
    machine = Machine(name="v2")
    machine.devices.append({"driver": "virtio-blk-pcie"})
    _launch_fails(state_dir, machine, "unknown device driver 'virtio-blk-pcie'")


def test_missing_kernel_file(state_dir: Path, tmp_path: Path) -> None:
    machine = Machine(name="v3", kernel=tmp_path / "vmlinuz-missing", append="console=ttyS0")
    _launch_fails(state_dir, machine, "kernel .*vmlinuz-missing does not exist")


def test_missing_disk_image(state_dir: Path, tmp_path: Path) -> None:
    machine = Machine(name="v4").add(dev.disk("hd0", tmp_path / "nope.qcow2"))
    _launch_fails(state_dir, machine, "nope.qcow2 does not exist")


def test_device_pointing_at_undefined_backend(state_dir: Path) -> None:
    machine = Machine(name="v5")
    machine.devices.append({"driver": "virtio-blk-pci", "id": "hd0", "drive": "drive-nowhere"})
    _launch_fails(state_dir, machine, "refers to blockdev 'drive-nowhere', which is not defined")


def test_duplicate_ids(state_dir: Path) -> None:
    machine = Machine(name="v6").add(dev.balloon("b0")).add(dev.balloon("b0"))
    _launch_fails(state_dir, machine, "device id 'b0' is used twice")


def test_unknown_machine_type_and_object(state_dir: Path) -> None:
    _launch_fails(state_dir, Machine(name="v7", machine_type="q53"), "unknown machine type 'q53'")
    machine = Machine(
        name="v8", backends=[Backend("object", {"qom-type": "rng-random", "id": "r", "file": "x"})]
    )
    _launch_fails(state_dir, machine, "object 'rng-random' has no property 'file'")


def test_initrd_without_kernel(state_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "initrd").write_bytes(b"x")
    _launch_fails(state_dir, Machine(name="v9", initrd=tmp_path / "initrd"), "needs a kernel")


def test_capabilities_come_from_the_binary_and_are_cached(tmp_path: Path) -> None:
    caps_mod._memo.clear()
    caps = caps_mod.load(cache_dir=tmp_path, object_types=["rng-random"])
    assert "q35" in caps.machines
    assert "bootindex" in (caps.device_props["virtio-blk-pci"] or ())
    assert "filename" in (caps.object_props["rng-random"] or ())
    cached = list(tmp_path.glob("qemu-caps-*.json"))
    assert len(cached) == 1
    caps_mod._memo.clear()
    assert caps_mod.load(cache_dir=tmp_path) == caps


def test_every_typed_helper_builds_maps_the_real_qemu_accepts(tmp_path: Path) -> None:
    image = tmp_path / "x.img"
    image.write_bytes(b"\0" * 512)
    caps = caps_mod.load(object_types=["rng-random"])
    parts = (
        dev.disk("hd0", image, bus="virtio", serial="S1", bootindex=1)
        + dev.disk("hd1", image, fmt="raw", bus="sata", controller_bus="ide.1", read_only=True)
        + dev.cdrom("cd0", image, controller_bus="ide.2")
        + dev.nic("n0", mac="52:54:00:00:00:09", bootindex=2)
        + dev.nic("n1", model="e1000e")
        + dev.serial_file("ser1", tmp_path / "ser.log")
        + dev.rng()
        + dev.balloon()
        + dev.vsock("vs0", 3)
        + dev.virtiofs("fs0", tmp_path / "vfs.sock", "share")
        + dev.share_9p("p9", tmp_path, "tag9")
        + dev.pcie_root_ports(2)
        + dev.display()
    )
    for device in parts.devices:
        check_device(device, caps)
    machine = Machine(name="helpers", backends=parts.backends, devices=parts.devices)
    check_machine(machine, caps)
