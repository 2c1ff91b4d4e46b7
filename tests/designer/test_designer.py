"""Designer policy: disks, media, NICs, resources, arch policies, kernel boot, capabilities."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hearth.designer import Designer, inspect, parse_url, sniff
from hearth.domain import DomainCapabilities, HostCapabilities, parse
from hearth.errors import ValidationError

from .conftest import facts, validate

KERNEL = next(Path("/boot").glob("vmlinuz-*"), None)


# --- image formats -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["qcow2", "raw", "vmdk", "vdi", "vhdx", "qed", "vpc"])
def test_format_from_header(images: dict[str, Path], fmt: str) -> None:
    info = inspect(images[fmt])
    assert info.format == fmt
    assert info.kind == "file"


def test_format_ignores_extension(images: dict[str, Path], tmp_path: Path) -> None:
    lying = tmp_path / "really-qcow2.raw"
    lying.write_bytes(images["qcow2"].read_bytes())
    assert inspect(lying).format == "qcow2"


def test_iso_recognised(iso: Path) -> None:
    info = inspect(iso)
    assert (info.format, info.is_iso) == ("raw", True)


def test_sniff_short_header() -> None:
    assert sniff(b"") == ("raw", False)
    assert sniff(b"QFI\xfb\x00\x00\x00\x01") == ("qcow", False)


def test_missing_unreadable_and_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        Designer().add_disk(tmp_path / "nope.qcow2")
    with pytest.raises(ValidationError, match="is a directory"):
        Designer().add_disk(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="not a regular file or block device"):
        Designer().add_disk(fifo)


def test_unreadable_file_refused(tmp_path: Path) -> None:
    """Root reads anything, so the child drops CAP_DAC_OVERRIDE/READ_SEARCH (setpriv) first."""
    secret = tmp_path / "secret.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(secret), "1M"], check=True)
    secret.chmod(0o000)
    code = (
        "from hearth.designer import Designer\n"
        "from hearth.errors import ValidationError\n"
        f"try:\n    Designer().add_disk({str(secret)!r})\nexcept ValidationError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-c", code],
        capture_output=True,
        text=True,
    )
    assert f"disk image {str(secret)!r} is not readable: Permission denied" in out.stdout, out.stderr


def test_block_device_policy(block_device: str, tmp_path: Path) -> None:
    design = Designer().setup("debian11", arch="x86_64").add_disk(block_device).build()
    disk = facts(design.to_xml()).find("devices/disk")
    assert disk.get("type") == "block"
    assert disk.find("source").get("dev") == block_device
    drv = disk.find("driver")
    assert (drv.get("cache"), drv.get("io"), drv.get("discard")) == ("none", "native", "unmap")
    # the loop device shows the qcow2 file it maps
    assert drv.get("type") == "qcow2"
    validate(design.to_xml(), tmp_path)


def test_file_disk_leaves_cache_to_libvirt(images: dict[str, Path]) -> None:
    disk = facts(Designer().setup("debian11").add_disk(images["raw"]).build().to_xml()).find("devices/disk")
    drv = disk.find("driver")
    assert (drv.get("name"), drv.get("type"), drv.get("cache"), drv.get("io")) == ("qemu", "raw", None, None)


def test_iso_as_disk_refused(iso: Path) -> None:
    with pytest.raises(ValidationError, match="add_cdrom"):
        Designer().add_disk(iso)


# --- targets ----------------------------------------------------------------------------


def test_targets_without_gaps(images: dict[str, Path], iso: Path) -> None:
    d = Designer().setup("debian11", arch="x86_64")
    for fmt in ("qcow2", "raw", "vmdk"):
        d.add_disk(images[fmt])
    d.add_cdrom(iso).add_cdrom(None)
    disks = facts(d.build().to_xml()).findall("devices/disk")
    assert [(x.find("target").get("dev"), x.find("target").get("bus")) for x in disks] == [
        ("vda", "virtio"),
        ("vdb", "virtio"),
        ("vdc", "virtio"),
        ("sda", "sata"),
        ("sdb", "sata"),
    ]


def test_ide_bus_full(images: dict[str, Path]) -> None:
    d = Designer().setup("winxp", arch="x86_64")
    for _ in range(5):
        d.add_disk(images["raw"])
    with pytest.raises(ValidationError, match="no free target left on the ide bus"):
        d.build()


# --- cdrom and floppy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "protocol", "host", "port", "name", "query"),
    [
        (
            "https://mirror.example/debian/netinst.iso",
            "https",
            "mirror.example",
            443,
            "/debian/netinst.iso",
            None,
        ),
        ("http://10.0.0.1:8080/a%20b.iso?sig=x&exp=1", "http", "10.0.0.1", 8080, "/a%20b.iso", "sig=x&exp=1"),
        ("ftp://ftp.example.org/pub/os.iso", "ftp", "ftp.example.org", 21, "/pub/os.iso", None),
        ("ftps://files.example.org/os.iso", "ftps", "files.example.org", 990, "/os.iso", None),
        ("HTTPS://[::1]:8443/x.iso", "https", "::1", 8443, "/x.iso", None),
    ],
)
def test_cdrom_url_becomes_network_disk(
    url: str, protocol: str, host: str, port: int, name: str, query: str | None, tmp_path: Path
) -> None:
    design = Designer().setup("debian11", arch="x86_64").add_cdrom(url).build()
    dom = parse(design.to_xml())
    cd = dom.devices.disks[0]
    assert (cd.type, cd.device, cd.source_protocol, cd.source_name, cd.source_query) == (
        "network",
        "cdrom",
        protocol,
        name,
        query,
    )
    assert [(h.name, h.port) for h in cd.source_hosts] == [(host, port)]
    assert cd.readonly
    assert cd.target_bus != "virtio"
    validate(design.to_xml(), tmp_path)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("gopher://example.org/x.iso", "scheme 'gopher' is not supported"),
        ("file:///etc/passwd", "scheme 'file' is not supported"),
        ("https://user:hunter2@example.org/x.iso", "credentials in media URLs"),
        ("https:///x.iso", "has no host"),
        ("https://example.org/", "names no file"),
        ("https://example.org/x.iso\n-device foo", "whitespace or control"),
        ("http://example.org:99999/x.iso", "malformed"),
    ],
)
def test_bad_cdrom_urls(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as exc:
        parse_url(url)
    assert "hunter2" not in str(exc.value)


def test_cdrom_never_virtio_even_when_os_has_virtio(iso: Path) -> None:
    for short_id in ("fedora37", "debian11", "win10"):
        root = facts(Designer().setup(short_id, arch="x86_64").add_cdrom(iso).build().to_xml())
        assert root.find("devices/disk/target").get("bus") in ("sata", "ide")


def test_floppy(images: dict[str, Path], tmp_path: Path) -> None:
    design = Designer().setup("winxp", arch="x86_64").add_floppy(images["raw"]).build()
    fd = facts(design.to_xml()).find("devices/disk")
    assert (fd.get("device"), fd.find("target").get("dev"), fd.find("target").get("bus")) == (
        "floppy",
        "fda",
        "fdc",
    )
    validate(design.to_xml(), tmp_path)


# --- interfaces ------------------------------------------------------------------------------


def test_interface_kinds(tmp_path: Path) -> None:
    d = (
        Designer()
        .setup("debian11", arch="x86_64")
        .add_interface("network", "default")
        .add_interface("bridge", "br0")
        .add_interface("ovs", "ovsbr0")
        .add_interface("macvtap", "eth0", mode="vepa")
        .add_interface("macvtap", "eth1")
        .add_interface("user", mac="52:54:00:12:34:56")
    )
    design = d.build()
    ifaces = list(parse(design.to_xml()).devices.interfaces)
    assert [(i.type, i.source_network, i.source_bridge, i.source_dev, i.source_mode) for i in ifaces] == [
        ("network", "default", None, None, None),
        ("bridge", None, "br0", None, None),
        ("bridge", None, "ovsbr0", None, None),
        ("direct", None, None, "eth0", "vepa"),
        ("direct", None, None, "eth1", "bridge"),
        ("user", None, None, None, None),
    ]
    assert [i.virtualport_type for i in ifaces] == [None, None, "openvswitch", None, None, None]
    assert all(i.model == "virtio" for i in ifaces)
    assert ifaces[-1].mac == "52:54:00:12:34:56"
    macs = [i.mac for i in ifaces]
    assert len(set(macs)) == len(macs)
    assert all(m is not None and m.startswith("52:54:00:") for m in macs)
    validate(design.to_xml(), tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "macvtap", "source": "eth0", "mode": "private-ish"}, "macvtap mode must be one of"),
        ({"kind": "bridge", "source": "br0", "mode": "vepa"}, "mode applies to macvtap interfaces only"),
        ({"kind": "networkX", "source": "default"}, "interface kind must be one of"),
        ({"kind": "network", "source": None}, "needs a source"),
        ({"kind": "bridge", "source": "br0 -netdev x"}, "without spaces"),
        ({"kind": "user", "source": "x"}, "takes no source"),
        ({"kind": "network", "source": "default", "model": "virtio-net-pci"}, "NIC model must be one of"),
        ({"kind": "network", "source": "default", "mac": "01:00:5e:00:00:01"}, "multicast"),
        ({"kind": "network", "source": "default", "mac": "zz:00"}, "not of the form"),
    ],
)
def test_bad_interfaces(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Designer().add_interface(**kwargs)  # type: ignore[arg-type]


def test_legacy_nic_model_preference() -> None:
    """An i440fx guest without virtio-net gets the first legacy model osinfo lists."""
    root = facts(Designer().setup("winxp", arch="x86_64").add_interface("user").build().to_xml())
    assert root.find("devices/interface/model").get("type") == "e1000"
    root = facts(Designer().setup("win2k", arch="x86_64", memory=256).add_interface("user").build().to_xml())
    assert root.find("devices/interface/model").get("type") in ("rtl8139", "e1000", "ne2k_pci", "pcnet")


# --- resources -----------------------------------------------------------------------------


def test_minimal_resources_and_explicit_values() -> None:
    root = facts(Designer().setup("ubuntu22.04", arch="x86_64", resources="minimal").build().to_xml())
    assert int(root.findtext("memory")) == 2048 * 1024
    assert int(root.findtext("vcpu")) == 1
    design = Designer().setup("ubuntu22.04", arch="x86_64", memory=512, vcpus=3).build()
    root = facts(design.to_xml())
    assert (int(root.findtext("memory")), int(root.findtext("vcpu"))) == (512 * 1024, 3)
    assert any("below the 2048 MiB minimum" in w for w in design.warnings)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resources": "lots"}, "resources must be"),
        ({"memory": 0}, "memory must be"),
        ({"vcpus": 0}, "vcpus must be"),
        ({"arch": "vax"}, "unsupported architecture"),
        ({"graphics": "sdl2"}, "graphics must be one of"),
    ],
)
def test_bad_setup(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Designer().setup("debian11", **kwargs)  # type: ignore[arg-type]


def test_unknown_os() -> None:
    from hearth.errors import NotFound

    with pytest.raises(NotFound, match="nosuchos"):
        Designer().setup("nosuchos")


def test_build_needs_setup() -> None:
    with pytest.raises(ValidationError, match="no OS chosen"):
        Designer().build()


# --- arch policies -------------------------------------------------------------------------


def test_windows_clock_and_hyperv() -> None:
    root = facts(Designer(domain_type="kvm").setup("win10", arch="x86_64").build().to_xml())
    assert root.find("clock").get("offset") == "localtime"
    assert root.find("features/hyperv/relaxed").get("state") == "on"
    assert root.find("clock/timer[@name='hypervclock']").get("present") == "yes"
    # no Hyper-V enlightenments under TCG
    root = Designer(domain_type="qemu").setup("win10", arch="x86_64").build()
    assert facts(root.to_xml()).find("features/hyperv") is None


def test_aarch64_virt_with_efi(tmp_path: Path) -> None:
    design = Designer().setup("fedora37", arch="aarch64").add_interface("network", "default").build()
    root = facts(design.to_xml())
    assert root.find("os/type").get("machine") == "virt"
    assert root.find("os").get("firmware") == "efi"
    assert root.find("devices/controller[@model='pcie-root']") is not None
    assert root.find("devices/controller[@type='usb']").get("model") == "qemu-xhci"
    validate(design.to_xml(), tmp_path)


def test_s390x_ccw_policy(tmp_path: Path, iso: Path, images: dict[str, Path]) -> None:
    design = (
        Designer()
        .setup("rhel9.1", arch="s390x")
        .add_disk(images["qcow2"])
        .add_cdrom(iso)
        .add_default_network()
        .build()
    )
    root = facts(design.to_xml())
    assert root.find("os/type").get("machine") == "s390-ccw-virtio"
    assert root.findall("devices/interface") == []
    assert any("s390x guests get no default network" in w for w in design.warnings)
    assert root.find("devices/console/target").get("type") == "sclp"
    assert root.find("devices/controller[@type='usb']") is None
    assert root.find("devices/graphics") is None
    assert [d.find("target").get("bus") for d in root.findall("devices/disk")] == ["virtio", "scsi"]
    assert root.find("devices/controller[@model='virtio-scsi']") is not None
    validate(design.to_xml(), tmp_path)


def test_default_network_on_x86() -> None:
    root = facts(Designer().setup("debian11", arch="x86_64").add_default_network().build().to_xml())
    assert root.find("devices/interface/source").get("network") == "default"


def test_direct_kernel_boot(tmp_path: Path) -> None:
    assert KERNEL is not None, "linux-image-cloud-amd64 must be installed (make test does it)"
    initrd = tmp_path / "initrd.img"
    initrd.write_bytes(b"\x00" * 512)
    design = (
        Designer().setup("win11", arch="x86_64").set_kernel(str(KERNEL), str(initrd), "console=ttyS0").build()
    )
    root = facts(design.to_xml())
    assert root.findtext("os/kernel") == str(KERNEL)
    assert root.findtext("os/initrd") == str(initrd)
    assert root.findtext("os/cmdline") == "console=ttyS0"
    assert root.findall("os/boot") == []
    assert root.find("os").get("firmware") is None  # direct boot does not need firmware
    with pytest.raises(ValidationError, match="kernel '/nonexistent' is not a readable file"):
        Designer().set_kernel("/nonexistent")
    with pytest.raises(ValidationError, match="single line"):
        Designer().set_kernel(str(KERNEL), None, "a\nb")


# --- against real libvirt ---------------------------------------------------------------------


def _virsh(*args: str) -> str:
    return subprocess.run(
        ["virsh", "-c", "qemu:///system", *args], check=True, capture_output=True, text=True
    ).stdout


def test_capabilities_refine_choices(images: dict[str, Path]) -> None:
    host = HostCapabilities.from_xml(_virsh("capabilities"))
    domcaps = DomainCapabilities.from_xml(_virsh("domcapabilities", "--machine", "q35", "--virttype", "qemu"))
    design = (
        Designer(host_caps=host, domain_caps=domcaps, domain_type="kvm")
        .setup("winxp", arch="x86_64")
        .add_disk(images["qcow2"])
        .build()
    )
    root = facts(design.to_xml())
    guest = host.guest("x86_64")
    assert guest is not None
    assert root.findtext("devices/emulator") == guest.emulator
    machine = root.find("os/type").get("machine")
    assert machine is not None and machine.startswith("pc-i440fx-")
    kvm_offered = any(t.type == "kvm" for t in guest.domain_types)
    assert root.get("type") == ("kvm" if kvm_offered else "qemu")


@pytest.mark.parametrize("short_id", ["debian11", "winxp", "win11", "alpinelinux3.17"])
def test_libvirt_accepts_design(short_id: str, images: dict[str, Path], iso: Path) -> None:
    """Define (never start) the design on the real libvirtd, read it back, undefine it."""
    name = f"hearth-designer-test-{short_id}"
    design = (
        Designer(domain_type="qemu")
        .setup(short_id, arch="x86_64", graphics="vnc")
        .set_name(name)
        .add_disk(images["qcow2"])
        .add_cdrom(iso)
        .add_cdrom("https://example.org/media/x.iso?token=1")
        .add_interface("network", "default")
        .build()
    )
    xml_path = images["qcow2"].parent / f"{name}.xml"
    xml_path.write_text(design.to_xml())
    subprocess.run(["virsh", "-c", "qemu:///system", "undefine", "--nvram", name], capture_output=True)
    _virsh("define", str(xml_path))
    try:
        back = parse(_virsh("dumpxml", "--inactive", name))
        assert back.name == name
        assert [d.target_dev for d in back.devices.disks] == [
            d.target_dev for d in design.domain.devices.disks
        ]
        assert back.devices.disks[2].source_query == "token=1"
    finally:
        _virsh("undefine", "--nvram", name)


def test_designs_from_one_setup_are_independent(images: dict[str, Path]) -> None:
    """The setup-only skeleton is reused between designs; nothing may leak from one to the next."""
    first = (
        Designer().setup("debian11", arch="x86_64").add_disk(images["qcow2"]).add_interface("user").build()
    )
    second = Designer(default_network=None).setup("debian11", arch="x86_64").build()
    third = Designer().setup("debian11", arch="x86_64", memory=4096).build()
    assert len(first.domain.devices.disks) == 1 and len(first.domain.devices.interfaces) == 1
    assert len(second.domain.devices.disks) == 0 and len(second.domain.devices.interfaces) == 0
    assert first.domain.uuid != second.domain.uuid and first.domain.name != second.domain.name
    first.domain.devices.videos[0].model = "vga"
    first.domain.memory_kib = 1
    assert second.domain.devices.videos[0].model == "virtio"
    assert second.domain.memory_kib == 2048 * 1024  # osinfo's recommendation for debian11
    assert third.domain.memory_kib == 4096 * 1024
    again = Designer().setup("debian11", arch="x86_64").build()
    assert again.domain.devices.videos[0].model == "virtio" and again.domain.memory_kib == 2048 * 1024
