"""Devices, resources and firmware with derives-from/clones resolved, against the XML files."""

from __future__ import annotations

import pytest

from hearth.osinfo import OSDatabase, Resources
from tests.osinfo.groundtruth import os_xml, xml_attr, xml_resource

VIRTIO_NET = ("virtio-net", "virtio1.0-net")
VIRTIO_BLOCK = ("virtio-block", "virtio1.0-block")
MODERN_LINUX = (
    "debian11",
    "debiantesting",
    "ubuntu22.04",
    "fedora37",
    "rhel9.1",
    "centos-stream9",
    "alpinelinux3.17",
)


# --- resources -----------------------------------------------------------------------------


def test_recommended_ram_is_the_xml_value(db: OSDatabase) -> None:
    expected = xml_resource("ubuntu22.04", "all", "recommended", "ram")
    assert expected == 4 * 2**30
    found = db.get("ubuntu22.04").resources("recommended", "x86_64")
    assert found is not None and found.arch == "all" and found.ram_bytes == expected


def test_arch_specific_block_wins_over_all(db: OSDatabase) -> None:
    winxp = db.get("winxp")
    for arch in ("i686", "x86_64"):
        block = winxp.resources("minimum", arch)
        assert block is not None and block.arch == arch
        assert block.ram_bytes == xml_resource("winxp", arch, "minimum", "ram")
    assert xml_resource("winxp", "i686", "minimum", "ram") != xml_resource(
        "winxp", "x86_64", "minimum", "ram"
    )
    assert winxp.resources("minimum", "aarch64") is None  # no block and no "all" to fall back to


def test_arch_block_takes_unset_fields_from_all(db: OSDatabase) -> None:
    # rhel5.5's x86_64 <minimum> gives only RAM; storage is on the "all" block.
    assert xml_resource("rhel5.5", "x86_64", "minimum", "storage") is None
    all_storage = xml_resource("rhel5.5", "all", "minimum", "storage")
    assert all_storage is not None
    block = db.get("rhel5.5").resources("minimum", "x86_64")
    assert block is not None and block.arch == "x86_64"
    assert block.storage_bytes == all_storage
    assert block.ram_bytes == xml_resource("rhel5.5", "x86_64", "minimum", "ram")


def test_clone_without_resources_gets_the_cloned_os_resources(db: OSDatabase) -> None:
    assert os_xml("centos5.5").find("resources") is None
    assert xml_attr(os_xml("centos5.5"), "clones", "id") == db.get("rhel5.5").id
    centos = db.get("centos5.5")
    assert centos.minimum and centos.recommended == db.get("rhel5.5").recommended
    block = centos.resources("recommended", "x86_64")
    assert block is not None and block.ram_bytes == xml_resource("rhel5.5", "x86_64", "recommended", "ram")


def test_child_without_resources_gets_the_parent_resources(tree_db: OSDatabase) -> None:
    child, parent = tree_db.get("hchild"), tree_db.get("hparent")
    assert child.minimum == parent.minimum and child.recommended == parent.recommended
    assert child.resources("minimum", "x86_64") == Resources(
        arch="x86_64", n_cpus=1, ram_bytes=2**30, storage_bytes=4 * 2**30
    )
    assert child.resources("minimum", "aarch64") == Resources(
        arch="all", n_cpus=1, ram_bytes=2**29, storage_bytes=4 * 2**30
    )


def test_clone_chain_inherits_through_the_child(tree_db: OSDatabase) -> None:
    clone = tree_db.get("hclone")
    assert clone.clones == "hchild"
    assert clone.recommended == tree_db.get("hparent").recommended


def test_own_resources_are_never_mixed_with_the_parent(tree_db: OSDatabase) -> None:
    grandchild = tree_db.get("hgrandchild")
    assert grandchild.minimum == (Resources(arch="all", ram_bytes=4 * 2**30),)
    assert grandchild.recommended == ()  # the parent's smaller recommendation is not borrowed


# --- devices -------------------------------------------------------------------------------


@pytest.mark.parametrize("short_id", MODERN_LINUX)
def test_modern_linux_has_virtio(db: OSDatabase, short_id: str) -> None:
    os = db.get(short_id)
    assert os.has_device(*VIRTIO_NET) and os.has_device(*VIRTIO_BLOCK)
    assert any(d.vendor_id == "1af4" for d in os.devices_of_class("net"))


def test_winxp_has_no_virtio(db: OSDatabase) -> None:
    winxp = db.get("winxp")
    assert winxp.devices  # it does have some (e1000, ac97, ...)
    assert not winxp.has_device(*VIRTIO_NET, *VIRTIO_BLOCK)
    assert all(d.vendor_id != "1af4" for d in winxp.devices)
    assert winxp.has_device("e1000")


def test_devices_come_through_derives_from(db: OSDatabase) -> None:
    # rhel9.1's XML lists no device at all; everything comes from rhel9.0.
    assert os_xml("rhel9.1").find("devices") is None
    assert {d.id for d in db.get("rhel9.1").devices} >= {d.id for d in db.get("rhel9.0").devices}
    assert db.get("rhel9.1").has_device("virtio1.0-net")


def test_devices_come_through_clones(db: OSDatabase) -> None:
    assert os_xml("rocky9").find("devices") is None
    assert db.get("rocky9").has_device("virtio1.0-block")


def test_unsupported_device_is_removed(db: OSDatabase) -> None:
    gpu = "http://pcisig.com/pci/1af4/1050"  # virtio1.0-gpu
    marks = [d.get("supported") for d in os_xml("ubuntu22.04").iter("device") if d.get("id") == gpu]
    assert marks == ["false"]
    assert db.get("ubuntu21.10").has_device(gpu)  # the parent supports it...
    assert not db.get("ubuntu22.04").has_device(gpu)  # ...the child says it does not


def test_unsupported_device_is_removed_in_a_written_tree(tree_db: OSDatabase) -> None:
    assert [d.name for d in tree_db.get("hparent").devices] == ["testnet1", "testgpu1"]
    child = tree_db.get("hchild")
    assert [d.name for d in child.devices] == ["testnet1"]
    net = child.devices[0]
    assert (net.device_class, net.bus_type, net.vendor_id, net.product_id) == ("net", "pci", "abcd", "0001")
    assert [d.name for d in tree_db.get("hgrandchild").devices] == ["testnet1"]


def test_devices_of_class_groups(db: OSDatabase) -> None:
    blocks = db.get("debian11").devices_of_class("block")
    assert blocks and all(d.device_class == "block" for d in blocks)
    assert {"virtio-block", "virtio1.0-block"} <= {d.name for d in blocks}


# --- firmware ------------------------------------------------------------------------------


def test_win11_requires_efi_on_x86_64(db: OSDatabase) -> None:
    node = os_xml("win11")
    assert xml_attr(node, "firmware[@arch='x86_64'][@type='bios']", "supported") == "false"
    win11 = db.get("win11")
    assert win11.requires_efi("x86_64")
    assert win11.firmware_support("x86_64", "bios") is False
    assert not win11.requires_efi("i686")


@pytest.mark.parametrize("short_id", ("debian11", "debiantesting", "ubuntu22.04", "win10", "winxp"))
def test_these_do_not_require_efi(db: OSDatabase, short_id: str) -> None:
    assert not db.get(short_id).requires_efi("x86_64")


def test_firmware_is_inherited_and_the_child_overrides(tree_db: OSDatabase) -> None:
    assert not tree_db.get("hparent").requires_efi("x86_64")
    child = tree_db.get("hchild")
    assert child.firmware_support("x86_64", "efi") is True  # from the parent
    assert child.requires_efi("x86_64")
    grandchild = tree_db.get("hgrandchild")
    assert grandchild.firmware_support("x86_64", "efi") is False  # its own word wins
    assert not grandchild.requires_efi("x86_64")
