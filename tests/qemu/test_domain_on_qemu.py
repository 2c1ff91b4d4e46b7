"""A translated domain boots the real tiny guest, and the running QEMU has what the domain says.

Checked in QEMU itself (QMP qom-get, query-cpu-model-expansion, query-cpus-fast, query-memdev,
the qdev tree, /proc/<pid>/cmdline and environ), not in the argv we rendered.
"""

from __future__ import annotations

import calendar
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.domain import parse
from hearth.qemu import Supervisor, SyncVM
from hearth.qemu.from_domain import machine_from_domain
from hearth.testing.guest import GuestImage
from tests.qemu._support import wait_ready
from tests.qemu.hardware import qom_props, qtree

pytestmark = pytest.mark.guest

DOMAIN = """\
<domain type="qemu" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
  <name>translated</name>
  <memory unit="KiB">262100</memory>
  <vcpu>2</vcpu>
  {os}
  <features><acpi/><apic/><vmport state="off"/></features>
  <cpu mode="custom" match="exact">
    <model>Westmere</model>
    <topology sockets="2" cores="1" threads="1"/>
    <feature policy="disable" name="popcnt"/>
    <feature policy="require" name="pdpe1gb"/>
    <numa>
      <cell id="0" cpus="0" memory="131072" unit="KiB"/>
      <cell id="1" cpus="1" memory="131072" unit="KiB"/>
    </numa>
  </cpu>
  <clock offset="utc">
    <timer name="rtc" tickpolicy="catchup"/>
    <timer name="pit" tickpolicy="delay"/>
    <timer name="hpet" present="no"/>
  </clock>
  <pm><suspend-to-mem enabled="no"/><suspend-to-disk enabled="no"/></pm>
  <devices>
    <serial type="pty"/>
    <watchdog model="i6300esb" action="poweroff"/>
    <hub type="usb"/>
  </devices>
  <qemu:commandline>
    <qemu:arg value="-device"/>
    <qemu:arg value="pvpanic"/>
    <qemu:env name="HEARTH_TRANSLATED" value="yes"/>
  </qemu:commandline>
</domain>
"""


def _boot_os(guest: GuestImage) -> str:
    """The ``<os>`` that boots the tiny test guest's kernel and initramfs on q35."""
    return (
        f'<os><type arch="x86_64" machine="q35">hvm</type><kernel>{guest.kernel}</kernel>'
        f"<initrd>{guest.initrd}</initrd><cmdline>{guest.append('wait')}</cmdline></os>"
    )


@contextlib.contextmanager
def _booted(template: str, guest: GuestImage, state_dir: Path, tmp_path: Path) -> Iterator[SyncVM]:
    """The domain ``template`` (its ``{os}`` the test guest's) running, ready, killed after."""
    text = template.format(os=_boot_os(guest))
    machine = machine_from_domain(parse(text), console_log=tmp_path / "console.log").machine
    with Supervisor(state_dir) as sup:
        vm = sup.launch(machine)
        try:
            wait_ready(vm)
            yield vm
        finally:
            vm.kill()


def _cpu(vm: SyncVM, prop: str) -> Any:
    path = vm.qmp.execute("query-cpus-fast")[0]["qom-path"]
    return vm.qmp.execute("qom-get", {"path": path, "property": prop})


def test_a_translated_domain_boots_with_the_hardware_it_names(
    guest: GuestImage, state_dir: Path, tmp_path: Path
) -> None:
    with _booted(DOMAIN, guest, state_dir, tmp_path) as vm:
        # CPU: Westmere has popcnt and lacks pdpe1gb; the domain turned them around.
        expansion = vm.qmp.execute(
            "query-cpu-model-expansion", {"type": "full", "model": {"name": "Westmere"}}
        )["model"]["props"]
        assert (expansion["popcnt"], expansion["pdpe1gb"]) == (False, True)
        assert (_cpu(vm, "popcnt"), _cpu(vm, "pdpe1gb")) == (False, True)
        assert _cpu(vm, "model-id").startswith("Westmere")
        cpus = vm.qmp.execute("query-cpus-fast")
        assert sorted((c["props"]["socket-id"], c["props"]["node-id"]) for c in cpus) == [(0, 0), (1, 1)]
        assert sorted(d["size"] for d in vm.qmp.execute("query-memdev")) == [128 << 20, 128 << 20]
        assert vm.qmp.execute("query-memory-size-summary")["base-memory"] == 256 << 20  # rounded up
        get = {"path": "/machine", "property": ""}
        assert vm.qmp.execute("qom-get", {**get, "property": "hpet"}) is False
        assert vm.qmp.execute("qom-get", {**get, "property": "vmport"}) == "off"
        tree = qtree(vm.qmp.execute("human-monitor-command", {"command-line": "info qtree"}))
        props = {kind: p for kind, p in tree}
        lpc = qom_props(lambda cmd, args: vm.qmp.execute(cmd, args))["ICH9-LPC"]
        assert (lpc["disable_s3"], lpc["disable_s4"]) == (1, 1)
        assert props["mc146818rtc"]["lost_tick_policy"] == '"slew"'
        assert {"i6300esb", "usb-hub", "qemu-xhci", "virtio-balloon-pci", "pvpanic"} <= set(props)
        assert "hpet" not in props
        cmdline = Path(f"/proc/{vm.pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[cmdline.index(b"-boot") + 1] == b"strict=on"
        assert b"HEARTH_TRANSLATED=yes" in Path(f"/proc/{vm.pid}/environ").read_bytes().split(b"\0")


SECURE = """\
<domain type="qemu">
  <name>secure</name>
  <memory unit="MiB">256</memory>
  <os firmware="efi">
    <type arch="x86_64" machine="q35">hvm</type>
    <firmware>
      <feature enabled="yes" name="secure-boot"/>
      <feature enabled="no" name="enrolled-keys"/>
    </firmware>
  </os>
  <features><acpi/></features>
  <devices><serial type="pty"/></devices>
</domain>
"""


def test_secure_boot_firmware_runs_with_smm_and_nvram_made_from_its_template(
    state_dir: Path, tmp_path: Path
) -> None:
    machine = machine_from_domain(parse(SECURE), nvram_dir=tmp_path).machine
    vars_file = tmp_path / "secure_VARS.fd"
    assert not vars_file.exists()
    with Supervisor(state_dir) as sup:
        vm = sup.launch(machine)
        try:
            assert vars_file.read_bytes() == Path("/usr/share/OVMF/OVMF_VARS_4M.fd").read_bytes()
            assert vm.qmp.execute("qom-get", {"path": "/machine", "property": "smm"}) == "on"
            tree = qtree(vm.qmp.execute("human-monitor-command", {"command-line": "info qtree"}))
            flash = [p for kind, p in tree if kind == "cfi.pflash01"]
            assert [p["secure"] for p in flash] == ["true", "true"]
            nodes = vm.qmp.execute("query-named-block-nodes", {"flat": True})
            files = {n["file"] for n in nodes if n["drv"] == "file"}
            assert {"/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", str(vars_file)} <= files
            assert vm.status()["status"] == "running"
        finally:
            vm.kill()


ODD_SIZE = """\
<domain type="qemu">
  <name>odd-size</name>
  <memory unit="b">134217729</memory>
  <os><type arch="x86_64" machine="pc">hvm</type></os>
  <devices>
    <disk type="file" device="disk">
      <driver name="qemu" type="raw"/>
      <source file="{disk}"/>
      <target dev="vda" bus="virtio"/>
      <boot order="1"/>
    </disk>
  </devices>
</domain>
"""


def test_a_size_one_byte_above_a_mib_boots_with_the_next_mib_and_strict_boot(
    state_dir: Path, tmp_path: Path
) -> None:
    """libvirt gives this guest 129 MiB (``-m 129``) and ``-boot strict=on`` beside its bootindex."""
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * (1 << 20))
    machine = machine_from_domain(parse(ODD_SIZE.format(disk=disk))).machine
    with Supervisor(state_dir) as sup:
        vm = sup.launch(machine)
        try:
            assert vm.qmp.execute("query-memory-size-summary")["base-memory"] == 129 << 20
            cmdline = Path(f"/proc/{vm.pid}/cmdline").read_bytes().split(b"\0")
            assert cmdline[cmdline.index(b"-boot") + 1] == b"strict=on"
            get = {"path": "/machine/peripheral/vda", "property": "bootindex"}
            assert vm.qmp.execute("qom-get", get) == 1
        finally:
            vm.kill()


HOST_MODEL = """\
<domain type="qemu">
  <name>host-model-devices</name>
  <memory unit="MiB">256</memory>
  <vcpu>1</vcpu>
  {os}
  <features>
    <acpi/>
    <hyperv mode="custom">
      <relaxed state="on"/>
      <spinlocks state="on" retries="8191"/>
      <vendor_id state="on" value="HearthTest"/>
    </hyperv>
  </features>
  <cpu mode="host-model">
    <maxphysaddr mode="emulate" bits="39"/>
    <feature policy="disable" name="erms"/>
  </cpu>
  <clock offset="variable" adjustment="86400" basis="utc"/>
  <devices>
    <serial type="pty"/>
    <controller type="usb" index="0" model="nec-xhci"/>
    <controller type="ccid" index="0"/>
    <smartcard mode="passthrough" type="pty"/>
    <redirdev bus="usb" type="pty"/>
    <parallel type="pty"/>
    <iommu model="virtio"/>
    <memballoon model="none"/>
  </devices>
</domain>
"""


def test_a_host_model_guest_boots_with_libvirt_s_cpu_its_clock_and_devices(
    guest: GuestImage, state_dir: Path, tmp_path: Path
) -> None:
    """host-model is the CPU map's model for TCG's max with features changed (EPYC here, which
    has vme and lacks la57; TCG's max is the other way round), plus the domain's own changes."""
    with _booted(HOST_MODEL, guest, state_dir, tmp_path) as vm:
        assert _cpu(vm, "model-id") == "AMD EPYC Processor"
        flags = {f: _cpu(vm, f) for f in ("erms", "vme", "la57", "acpi", "monitor", "hv-relaxed")}
        assert flags == {
            "erms": False,
            "vme": False,
            "la57": True,
            "acpi": True,
            "monitor": True,
            "hv-relaxed": True,
        }
        assert (_cpu(vm, "phys-bits"), _cpu(vm, "hv-spinlocks")) == (39, 8191)
        assert _cpu(vm, "hv-vendor-id") == "HearthTest"
        rtc = vm.qmp.execute("qom-get", {"path": "/machine", "property": "rtc-time"})
        guest_clock = calendar.timegm(
            (
                rtc["tm_year"] + 1900,
                rtc["tm_mon"] + 1,
                rtc["tm_mday"],
                rtc["tm_hour"],
                rtc["tm_min"],
                rtc["tm_sec"],
            )
        )
        assert abs(guest_clock - (time.time() + 86400)) < 3600  # a day ahead, not the host's time
        tree = qtree(vm.qmp.execute("human-monitor-command", {"command-line": "info qtree"}))
        kinds = {kind for kind, _ in tree}
        assert {"nec-usb-xhci", "usb-ccid", "ccid-card-passthru", "usb-redir", "isa-parallel"} <= kinds
        assert "virtio-iommu-pci" in kinds
