"""A libvirt domain design runs directly under QEMU through hearth.qemu."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hearth.domain import parse
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import Supervisor, VMState
from hearth.qemu.from_domain import machine_from_domain
from hearth.testing.guest import GuestImage, read_marker
from tests.qemu._support import BOOT_TIMEOUT

DOMAIN = """\
<domain type="qemu">
  <name>designed</name>
  <uuid>4d9b9f5a-4c36-4a3b-9a59-2f7d3c0e6a11</uuid>
  <memory unit="MiB">256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch="x86_64" machine="q35">hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <cpu mode="maximum"/>
  <devices>
    <disk type="file" device="disk">
      <driver name="qemu" type="qcow2"/>
      <source file="{disk}"/>
      <target dev="vda" bus="virtio"/>
      <serial>DESIGN1</serial>
    </disk>
    <disk type="file" device="cdrom">
      <driver name="qemu" type="raw"/>
      <source file="{iso}"/>
      <target dev="sda" bus="sata"/>
      <readonly/>
    </disk>
    <controller type="pci" index="0" model="pcie-root"/>
    <controller type="pci" index="1" model="pcie-root-port"/>
    <controller type="sata" index="0"/>
    <interface type="user">
      <mac address="52:54:00:6b:3c:01"/>
      <model type="virtio"/>
    </interface>
    <serial type="pty"><target port="0"/></serial>
    <console type="pty"><target type="serial" port="0"/></console>
    <graphics type="vnc" port="-1"/>
    <memballoon model="virtio"/>
  </devices>
</domain>
"""


def _design(guest: GuestImage, tmp_path: Path, mode: str = "poweroff") -> str:
    disk = tmp_path / "root.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "32M"], check=True)
    iso = tmp_path / "media.iso"
    iso.write_bytes(b"\0" * 2048 * 16)
    return DOMAIN.format(
        kernel=guest.kernel, initrd=guest.initrd, cmdline=guest.append(mode), disk=disk, iso=iso
    )


def test_conversion_maps_every_device(guest: GuestImage, tmp_path: Path) -> None:
    xml = _design(guest, tmp_path)
    conv = machine_from_domain(parse(xml))
    m = conv.machine
    assert (m.name, m.uuid, m.memory_mib, m.smp, m.machine_type) == (
        "designed",
        "4d9b9f5a-4c36-4a3b-9a59-2f7d3c0e6a11",
        256,
        1,
        "q35",
    )
    assert (m.accel, m.cpu, m.cpu_props, m.machine_props) == ("tcg", "max", {}, {})
    assert m.kernel == guest.kernel and m.append == guest.append("poweroff")
    assert (m.boot, m.rtc) == ({"strict": True}, {"base": "utc"})
    # libvirt's q35 layout: each PCIe device on a root port (the declared one first, then new
    # ones plus a spare), the primary video at 00:01, root ports packed from 00:02.
    ports = [
        {"driver": "pcie-root-port", "id": f"pci.{i}", "bus": "pcie.0", "chassis": i}
        | {"addr": "0x2" if i == 1 else f"0x2.{i - 1:#x}", "port": 15 + i}
        for i in range(1, 6)
    ]
    ports[0]["multifunction"] = True
    assert m.devices == [
        *ports,
        {"driver": "qemu-xhci", "id": "usb", "bus": "pci.2", "addr": "0x0"},  # libvirt's implicit one
        {
            "driver": "virtio-blk-pci",
            "id": "vda",
            "drive": "drive-vda",
            "serial": "DESIGN1",  # no write-cache: without <driver cache> libvirt leaves QEMU's auto
            "bus": "pci.3",
            "addr": "0x0",
            "bootindex": 1,  # <boot dev='hd'/> is libvirt's default too
        },
        {"driver": "ide-cd", "id": "sda", "drive": "drive-sda", "bus": "ide.0"},
        {"driver": "virtio-net-pci", "id": "net0", "netdev": "net-net0", "mac": "52:54:00:6b:3c:01"}
        | {"bus": "pci.1", "addr": "0x0"},
        {"driver": "cirrus-vga", "id": "video0", "bus": "pcie.0", "addr": "0x1"},  # libvirt's for a display
        {"driver": "virtio-balloon-pci", "id": "balloon0", "bus": "pci.4", "addr": "0x0"},
    ]
    assert [b.props["driver"] for b in m.backends if b.kind == "blockdev"] == ["qcow2", "raw"]
    assert conv.skipped == [
        "devices/graphics: hearth.qemu runs without a display (the video device is there)"
    ]
    assert conv.ignored == []


def test_libvirt_meanings_are_kept() -> None:
    xml = '<domain type="kvm"><name>k</name><memory unit="MiB">64</memory><os><type>hvm</type></os></domain>'
    m = machine_from_domain(parse(xml)).machine
    assert m.accel == "kvm"  # libvirt's type='kvm' requires KVM
    assert m.machine_props == {"acpi": False}  # no <acpi/> means no ACPI


@pytest.mark.parametrize(
    ("devices", "error", "match"),
    [
        ('<interface type="network"><source network="default"/></interface>', NotSupported, "needs libvirt"),
        (
            '<disk type="network" device="disk"><source protocol="nbd" name="x"/><target dev="vda"/></disk>',
            NotSupported,
            "source type 'network'",
        ),
        (
            '<disk type="file" device="disk"><source file="/x"/></disk>',
            ValidationError,
            "without <target dev>",
        ),
        ('<disk type="file" device="floppy"><target dev="fda"/></disk>', NotSupported, "device 'floppy'"),
        ('<hostdev mode="subsystem" type="pci"/>', NotSupported, "hostdev"),
    ],
)
def test_unsupported_hardware_is_refused_not_approximated(
    devices: str, error: type[Exception], match: str
) -> None:
    head = '<domain type="qemu"><name>u</name><memory unit="MiB">64</memory>'
    xml = f"{head}<devices>{devices}</devices></domain>"
    with pytest.raises(error, match=match):
        machine_from_domain(parse(xml))


@pytest.mark.guest
def test_designed_domain_boots_under_qemu(guest: GuestImage, tmp_path: Path, state_dir: Path) -> None:
    machine = machine_from_domain(parse(_design(guest, tmp_path))).machine
    machine.start_paused = True
    with Supervisor(state_dir) as sup:
        vm = sup.launch(machine)
        assert vm.status()["status"] == "prelaunch"
        blocks = {b["qdev"]: b for b in vm.query_block()}
        assert blocks["/machine/peripheral/vda/virtio-backend"]["inserted"]["file"].endswith("root.qcow2")
        assert blocks["sda"]["inserted"]["file"].endswith("media.iso")
        peripherals = {c["name"] for c in vm.qmp.execute("qom-list", {"path": "/machine/peripheral"})}
        assert {"vda", "net0", "balloon0", "pci.1"} <= peripherals
        vm.resume()
        # poweroff mode: the guest prints the marker and powers itself off.
        ended = vm.wait_exit(BOOT_TIMEOUT)
        assert read_marker(vm.console_log.read_text(errors="replace")) is not None
        assert ended.state == VMState.SHUTOFF and ended.reason == "the guest powered off"
        assert sup.info("designed").state == VMState.SHUTOFF


def test_controllers_without_index_are_numbered_like_libvirt() -> None:
    """Designer output carries no controller indexes; each root port needs its own id and chassis."""
    from hearth.designer import Designer
    from hearth.qemu.from_domain import controller_indices

    domain = (
        Designer(domain_type="qemu", default_network=None)
        .setup("debian11", arch="x86_64", graphics="none")
        .build()
        .domain
    )
    assert all(c.index is None for c in domain.devices.controllers)
    before = domain.to_xml()
    ports = [d for d in machine_from_domain(domain).machine.devices if d.get("driver") == "pcie-root-port"]
    assert domain.to_xml() == before  # conversion does not touch the domain
    assert len(ports) == 14
    assert len({p["id"] for p in ports}) == 14 and len({p["chassis"] for p in ports}) == 14
    kinds = [(c.type, c.model) for c in domain.devices.controllers]
    indices = controller_indices(domain)
    assert indices[kinds.index(("pci", "pcie-root"))] == 0
    assert sorted(i for (t, _m), i in zip(kinds, indices, strict=True) if t == "pci") == list(range(15))
