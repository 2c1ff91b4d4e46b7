"""The designer's decisions match virt-install 4.1 on the same inputs and osinfo-db.

Expectations come from virt-install's documented policy applied to the installed osinfo-db
(0.20221130: no debian12/fedora38 yet, so the newest of each family stands in) with the
inputs `--disk <qcow2> --cdrom <file> --network network=default` on x86_64 KVM:
- memory/vCPUs: osinfo recommended for the arch (else "all"), else twice the minimum;
- machine q35 when osinfo lists the q35 chipset and not only legacy virtio, else pc (i440fx);
- firmware EFI when osinfo says EFI is supported and BIOS is not (win11), with an emulated TPM;
- disk on virtio when the OS has virtio-block, else sata on q35, else ide; cdrom never virtio;
- NIC virtio when supported, else e1000e on q35, else the first of e1000/rtl8139/ne2k_pci/pcnet;
- video virtio when the OS has virtio-gpu, else qxl (with spice), else vga.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.designer import Designer

from .conftest import facts

GiB = 1024 * 1024  # KiB

# os: (machine, firmware, memory KiB, vcpus, disk (target, bus), cdrom (target, bus), nic, video, tpm)
EXPECTED = {
    "debian11": ("q35", None, 1 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "debian9": ("q35", None, 1 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "qxl", None),
    "ubuntu22.04": ("q35", None, 4 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "qxl", None),
    "fedora37": ("q35", None, 2 * GiB, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "rhel9.1": ("q35", None, 1536 * 1024, 2, ("vda", "virtio"), ("sda", "sata"), "virtio", "virtio", None),
    "centos-stream9": (
        "q35",
        None,
        1536 * 1024,
        2,
        ("vda", "virtio"),
        ("sda", "sata"),
        "virtio",
        "qxl",
        None,
    ),
    "rhel6.10": ("pc", None, 1 * GiB, 2, ("vda", "virtio"), ("hda", "ide"), "virtio", "qxl", None),
    "winxp": ("pc", None, 512 * 1024, 2, ("hda", "ide"), ("hdb", "ide"), "e1000", "qxl", None),
    "win7": ("q35", None, 4 * GiB, 2, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", None),
    "win10": ("q35", None, 4 * GiB, 2, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", None),
    "win11": ("q35", "efi", 8 * GiB, 4, ("sda", "sata"), ("sdb", "sata"), "e1000e", "qxl", "tpm-crb"),
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
