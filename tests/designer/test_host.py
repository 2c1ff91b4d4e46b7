"""One policy for library and CLI: the designer's defaults, Designer.for_host, and disks in use.

The host is real: libvirt's in-process test driver for the fast cases, ``qemu:///system``
(libvirtd, started by ``make test``) for real capabilities.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from hearth.designer import Designer
from hearth.domain import Disk, Domain, HostCapabilities
from hearth.errors import BackendError, Conflict, ValidationError


def test_a_design_gets_the_default_network_unless_told_otherwise() -> None:
    dom = Designer().setup("ubuntu22.04", arch="x86_64").build().domain
    assert [(i.type, i.source_network) for i in dom.devices.interfaces] == [("network", "default")]
    assert (
        len(Designer(default_network=None).setup("debian11", arch="x86_64").build().domain.devices.interfaces)
        == 0
    )
    assert (
        len(Designer().no_network().setup("debian11", arch="x86_64").build().domain.devices.interfaces) == 0
    )
    added = Designer().setup("debian11", arch="x86_64").add_interface("bridge", "br0").build().domain
    assert [i.type for i in added.devices.interfaces] == ["bridge"]  # an added NIC replaces the default


def test_hearth_accel_tcg_gives_qemu_emulation_without_host_passthrough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    dom = Designer().setup("win10", arch="x86_64").build().domain
    assert (dom.type, dom.cpu.mode) == ("qemu", "maximum")
    assert not dom.features.exists or dom.features.hyperv_relaxed is None
    monkeypatch.setenv("HEARTH_ACCEL", "kvm")
    assert Designer().setup("debian11", arch="x86_64").build().domain.type == "kvm"
    monkeypatch.setenv("HEARTH_ACCEL", "fast")
    with pytest.raises(ValidationError, match="HEARTH_ACCEL='fast' is not one of kvm, tcg, auto"):
        Designer()


def test_importing_the_designer_does_not_import_libvirt() -> None:
    code = "import sys, hearth.designer; print('libvirt' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- Designer.for_host -------------------------------------------------------------------------


def test_for_host_on_the_test_driver_takes_its_arch_and_domain_type() -> None:
    design = Designer.for_host("test:///default").setup("debian11").build()
    caps = HostCapabilities.from_xml(_caps("test:///default"))
    assert design.domain.type == "test"
    assert design.domain.os.arch == caps.host_arch


def test_for_host_never_picks_kvm_under_tcg_and_takes_the_emulator_from_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caps = HostCapabilities.from_xml(_caps("qemu:///system"))
    guest = caps.guest(caps.host_arch or "x86_64")
    assert guest is not None
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    dom = Designer.for_host("qemu:///system").setup("debian11").build().domain
    assert (dom.type, dom.cpu.mode) == ("qemu", "maximum")
    assert dom.devices.emulator == guest.emulator
    monkeypatch.delenv("HEARTH_ACCEL")
    dom = Designer.for_host("qemu:///system").setup("debian11").build().domain
    kvm = any(t.type == "kvm" for t in guest.domain_types)
    assert (dom.type, dom.cpu.mode) == (("kvm", "host-passthrough") if kvm else ("qemu", "maximum"))


def test_for_host_takes_an_open_connection_and_leaves_it_open() -> None:
    conn = libvirt.open("test:///default")
    try:
        Designer.for_host(conn).setup("debian11").build()
        assert conn.isAlive()
    finally:
        conn.close()


def test_for_host_with_an_unreachable_uri_says_so() -> None:
    with pytest.raises(
        BackendError, match="cannot connect to libvirt at qemu\\+unix:///system\\?socket=/nonexistent"
    ):
        Designer.for_host("qemu+unix:///system?socket=/nonexistent")


# --- disks in use ------------------------------------------------------------------------------


def _caps(uri: str) -> str:
    conn = libvirt.open(uri)
    try:
        return str(conn.getCapabilities())
    finally:
        conn.close()


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A domain on the test host using a writable disk and a read-only ISO (name, disk, iso)."""
    disk, iso = tmp_path / "used.qcow2", tmp_path / "shared.iso"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "8M"], check=True)
    iso.write_bytes(b"\0" * 0x8001 + b"CD001")
    name = f"hearth-foreign-{secrets.token_hex(3)}"
    dom = Domain(type="test", name=name, memory_kib=65536, vcpus=1)
    dom.os.type = "hvm"
    dom.devices.disks.append(Disk(type="file", device="disk", source_file=str(disk), target_dev="vda"))
    cd = Disk(type="file", device="cdrom", source_file=str(iso), target_dev="hdc", readonly=True)
    dom.devices.disks.append(cd)
    conn = libvirt.open("test:///default")
    defined = conn.defineXML(dom.to_xml())
    try:
        yield name, disk, iso
    finally:
        defined.undefine()
        conn.close()


def test_a_disk_another_domain_uses_is_refused_naming_the_domain(foreign: tuple[str, Path, Path]) -> None:
    name, disk, _iso = foreign
    d = Designer.for_host("test:///default").setup("debian11").add_disk(disk)
    with pytest.raises(Conflict, match=f"disk '{disk}' is already in use by domain '{name}'"):
        d.build()
    with pytest.raises(Conflict, match=name):  # reading a disk another guest writes is no better
        Designer.for_host("test:///default").setup("debian11").add_cdrom(disk).build()


def test_force_or_shareable_on_both_sides_is_the_way_round(foreign: tuple[str, Path, Path]) -> None:
    name, disk, iso = foreign
    forced = Designer.for_host("test:///default").setup("debian11").add_disk(disk, force=True).build()
    assert forced.domain.devices.disks[0].source_file == str(disk)
    with pytest.raises(Conflict, match=name):  # shareable on one side only
        Designer.for_host("test:///default").setup("debian11").add_disk(disk, shareable=True).build()
    conn = libvirt.open("test:///default")
    try:
        dom = Domain.from_xml(conn.lookupByName(name).XMLDesc(0))
        dom.devices.disks[0].shareable = True
        conn.defineXML(dom.to_xml())
        shared = Designer.for_host(conn).setup("debian11").add_disk(disk, shareable=True).build()
    finally:
        conn.close()
    assert shared.domain.devices.disks[0].shareable
    # Read-only media both guests only read are never a conflict.
    Designer.for_host("test:///default").setup("debian11").add_cdrom(iso).build()


def test_the_pure_designer_checks_only_the_domains_it_is_given(foreign: tuple[str, Path, Path]) -> None:
    name, disk, _iso = foreign
    Designer().setup("debian11").add_disk(disk).build()  # no host: nothing to check against
    other = Domain.from_xml(f"<domain type='kvm'><name>{name}</name></domain>")
    other.devices.disks.append(Disk(type="file", device="disk", source_file=str(disk)))
    with pytest.raises(Conflict, match=name):
        Designer(host_domains=[other]).setup("debian11").add_disk(disk).build()
