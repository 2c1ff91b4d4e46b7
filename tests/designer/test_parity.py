"""The designer's decisions match virt-install 4.1 on the same inputs and osinfo-db.

Two checks. The table below pins each decision for a set of OSes: virt-install's documented
policy applied to the osinfo-db libosinfo loads (the current one scripts/import-osinfo-db.sh
imports into /etc/osinfo, on top of Debian 12's 2022 package) with the inputs
`--disk <qcow2> --cdrom <file> --network network=default` on x86_64 KVM:
- memory/vCPUs: osinfo recommended for the arch (else "all"), else twice the minimum;
- machine q35 when osinfo lists the q35 chipset and not only legacy virtio, else pc (i440fx);
- firmware EFI when osinfo says EFI is supported and BIOS is not (win11), with an emulated TPM;
- disk on virtio when the OS has virtio-block, else sata on q35, else ide; cdrom never virtio;
- NIC virtio when supported, else e1000e on q35, else the first of e1000/rtl8139/ne2k_pci/pcnet;
- video virtio when the OS has virtio-gpu, else qxl (with spice), else vga.
Then the real virt-install (Debian's virtinst) designs the same VMs on this host's libvirtd
and its XML must carry the same decisions.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest
from lxml import etree

from hearth.designer import Designer

from .conftest import facts

GiB = 1024 * 1024  # KiB

# os: (machine, firmware, memory KiB, vcpus, disk (target, bus), cdrom (target, bus), nic, video, tpm)
EXPECTED = {
    "debian11": ("q35", None, 2 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "debian12": ("q35", None, 2 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "debian13": ("q35", None, 2 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "debian9": ("q35", None, 1 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "qxl", None),
    "ubuntu22.04": ("q35", None, 4 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "qxl", None),
    "ubuntu24.04": ("q35", None, 4 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "fedora37": ("q35", None, 2 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "fedora41": ("q35", None, 4 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "rhel9.1": ("q35", None, 1536 * 1024, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "rhel10.0": ("q35", None, 1536 * 1024, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "centos-stream9": (
        "q35",
        None,
        1536 * 1024,
        2,
        ("vda", "virtio"),
        ("sda", "sata"),
        "virtio",
        "virtio",
        None,
    ),
    "centos-stream10": (
        "q35",
        None,
        4 * GiB,
        2,
        ("vda", "virtio"),
        ("sda", "sata"),
        "virtio",
        "virtio",
        None,
    ),
    "rhel6.10": ("pc", None, 1 * GiB, 2, ("vda", "virtio"), ("hda", "ide"), "virtio", "qxl", None),
    "winxp": ("pc", None, 512 * 1024, 2, ("hda", "ide"), ("hdb", "ide"), "e1000", "qxl", None),
    "win7": ("q35", None, 4 * GiB, 2, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", None),
    "win10": ("q35", None, 4 * GiB, 2, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", None),
    "win11": ("q35", "efi", 8 * GiB, 4, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", "tpm-crb"),
    "win2k25": ("q35", None, 4 * GiB, 2, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", None),
    "alpinelinux3.17": (
        "q35",
        None,
        768 * 1024,
        1,
        ("vda", "virtio"),
        ("sda", "sata"),
        "virtio",
        "qxl",
        None,
    ),
}


@pytest.mark.parametrize("short_id", sorted(EXPECTED))
def test_matches_virt_install(short_id: str, images: dict[str, Path], iso: Path) -> None:
    machine, firmware, mem, vcpus, disk, cdrom, nic, video, tpm = EXPECTED[short_id]
    design = (
        Designer()
        .setup(short_id, arch="x86_64", graphics="spice")
        .add_disk(images["qcow2"])
        .add_cdrom(iso)
        .add_interface("network", "default")
        .build()
    )
    root = facts(design.to_xml())
    assert root.find("os/type").get("machine") == machine
    assert root.find("os").get("firmware") == firmware
    assert int(root.findtext("memory")) == mem
    assert int(root.findtext("currentMemory")) == mem
    assert int(root.findtext("vcpu")) == vcpus
    d, c = root.findall("devices/disk")
    assert (d.get("device"), d.find("target").get("dev"), d.find("target").get("bus")) == ("disk", *disk)
    assert d.find("driver").get("type") == "qcow2"
    assert (c.get("device"), c.find("target").get("dev"), c.find("target").get("bus")) == ("cdrom", *cdrom)
    assert c.find("driver").get("type") == "raw"
    assert c.find("readonly") is not None
    assert root.find("devices/interface/model").get("type") == nic
    assert root.find("devices/video/model").get("type") == video
    tpms = root.findall("devices/tpm")
    assert [t.get("model") for t in tpms] == ([tpm] if tpm else [])
    if tpm:
        assert tpms[0].find("backend").get("type") == "emulator"
        assert tpms[0].find("backend").get("version") == "2.0"
    assert root.find("clock").get("offset") == ("localtime" if short_id.startswith("win") else "utc")


def test_freebsd_without_osinfo_resources_needs_memory() -> None:
    """virt-install refuses too ('--memory amount in MiB is required'): osinfo has no figures."""
    from hearth.errors import ValidationError

    with pytest.raises(ValidationError, match="no memory figures for freebsd13.1"):
        Designer().setup("freebsd13.1", arch="x86_64").build()
    design = Designer().setup("freebsd13.1", arch="x86_64", memory=2048).build()
    root = facts(design.to_xml())
    assert int(root.findtext("memory")) == 2048 * 1024
    assert int(root.findtext("vcpu")) == 1


# --- against the real virt-install ----------------------------------------------------------


@pytest.fixture
def pooled_dir(tmp_path: Path) -> Iterator[Path]:
    """A transient libvirt pool over the test's directory, removed afterwards.

    virt-install defines a pool for the directory of any disk not in one, even with --dry-run;
    this one, named for the run, keeps it from leaving a pool on the host.
    """
    conn = libvirt.open("qemu:///system")
    name = f"hearth-parity-{uuid.uuid4().hex[:12]}"
    xml = f"<pool type='dir'><name>{name}</name><target><path>{tmp_path}</path></target></pool>"
    pool = conn.storagePoolCreateXML(xml, 0)
    try:
        yield tmp_path
    finally:
        pool.destroy()
        conn.close()


def _decisions(root: etree._Element) -> dict[str, object]:
    """What a designer decides, as both tools write it (virt-install names pc by its version)."""
    machine = root.find("os/type").get("machine") or ""
    devices = root.find("devices")
    features = root.find("features")
    return {
        "machine": "pc" if machine.startswith("pc-i440fx") else machine,
        "firmware": root.find("os").get("firmware"),
        "memory": root.findtext("memory"),
        "vcpu": root.findtext("vcpu"),
        "features": sorted(f.tag for f in features) if features is not None else [],
        "hyperv": sorted(f.tag for f in root.iterfind("features/hyperv/*")),
        "cpu": root.find("cpu").get("mode") if root.find("cpu") is not None else None,
        "clock": root.find("clock").get("offset"),
        "disks": [
            (d.get("device"), d.find("target").get("dev"), d.find("target").get("bus"))
            for d in devices.iterfind("disk")
        ],
        "nics": [i.find("model").get("type") for i in devices.iterfind("interface")],
        "video": [v.find("model").get("type") for v in devices.iterfind("video")],
        "tpm": [t.get("model") for t in devices.iterfind("tpm")],
        "usb": sorted(c.get("model") or "" for c in devices.iterfind("controller[@type='usb']")),
        "rng": [r.get("model") for r in devices.iterfind("rng")],
        "memballoon": [m.get("model") for m in devices.iterfind("memballoon")],
        "channels": sorted(c.find("target").get("name") or "" for c in devices.iterfind("channel")),
        "inputs": sorted((i.get("type"), i.get("bus")) for i in devices.iterfind("input")),
        "graphics": [g.get("type") for g in devices.iterfind("graphics")],
    }


@pytest.mark.parametrize("short_id", sorted(EXPECTED))
def test_virt_install_on_this_host_makes_the_same_decisions(short_id: str, pooled_dir: Path) -> None:
    """Same OS, same osinfo-db (libosinfo's default paths), same host libvirtd, KVM.

    Not compared: virt-install also adds a sound card and USB redirection with spice, which the
    designer leaves out on purpose.
    """
    disk, iso = pooled_dir / "root.qcow2", pooled_dir / "install.iso"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "8M"], check=True)
    iso.write_bytes(b"\0" * 2048)
    network = f"hearth-parity-{uuid.uuid4().hex[:8]}"  # only named, never looked up
    virt_install = subprocess.run(
        [
            "virt-install", "--connect", "qemu:///system", "--print-xml", "--dry-run", "--noautoconsole",
            "--virt-type", "kvm", "--arch", "x86_64", "--name", "parity", "--osinfo", short_id,
            "--disk", str(disk), "--cdrom", str(iso), "--network", f"network={network}",
            "--graphics", "spice",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert virt_install.returncode == 0, virt_install.stderr
    # With --cdrom, --print-xml prints the install-time domain first, then the one after.
    theirs = etree.fromstring(virt_install.stdout.split("</domain>")[0].encode() + b"</domain>")
    ours = facts(
        Designer(domain_type="kvm")  # as virt-install is told, whatever HEARTH_ACCEL says
        .setup(short_id, arch="x86_64", graphics="spice")
        .add_disk(disk)
        .add_cdrom(iso)
        .add_interface("network", network)
        .build()
        .to_xml()
    )
    assert _decisions(ours) == _decisions(theirs)
