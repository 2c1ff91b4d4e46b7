"""The model guards libvirt's invariants on write: current <= maximum, and formatted fields checked."""

from __future__ import annotations

import pytest

from hearth.domain import Address, Disk, Domain, Interface, Network, StoragePool
from hearth.errors import ValidationError

GiB_KIB = 1024 * 1024


def _domain(memory_kib: int = 4 * GiB_KIB, vcpus: int = 4) -> Domain:
    dom = Domain(type="kvm", name="inv")
    dom.memory_kib = memory_kib
    dom.current_memory_kib = memory_kib
    dom.vcpus = vcpus
    dom.vcpus_current = vcpus
    return dom


def test_memory_mib_is_writable_and_lowers_current_memory_to_fit() -> None:
    dom = _domain()
    dom.memory_mib = 2048
    assert (dom.memory_kib, dom.current_memory_kib, dom.memory_mib) == (2 * GiB_KIB, 2 * GiB_KIB, 2048)


@pytest.mark.parametrize(
    ("memory", "kib", "mib"),
    [
        ("<memory unit='KiB'>219100</memory>", 219100, 214),
        ("<memory unit='b'>134217729</memory>", 131073, 129),  # libvirt's parser rounds up to KiB
        ("<memory unit='bytes'>1023</memory>", 1, 1),
        ("<memory unit='KB'>219100</memory>", 213965, 209),  # 219,100,000 bytes
        ("<memory unit='MiB'>256</memory>", 262144, 256),
    ],
)
def test_a_size_not_whole_in_the_unit_read_rounds_up_as_libvirt_does(memory: str, kib: int, mib: int) -> None:
    dom = Domain.from_xml(f"<domain type='kvm'><name>inv</name>{memory}</domain>")
    assert (dom.memory_kib, dom.memory_mib) == (kib, mib)


def test_lowering_memory_kib_lowers_current_memory_and_raising_it_leaves_current_alone() -> None:
    dom = _domain()
    dom.memory_kib = GiB_KIB
    assert dom.current_memory_kib == GiB_KIB
    dom.memory_kib = 8 * GiB_KIB
    assert dom.current_memory_kib == GiB_KIB


def test_current_memory_above_the_maximum_is_refused_naming_both() -> None:
    dom = _domain()
    with pytest.raises(ValidationError, match=r"current_memory_kib \(8388608\) cannot exceed memory_kib"):
        dom.current_memory_kib = 8 * GiB_KIB
    assert dom.current_memory_kib == 4 * GiB_KIB


@pytest.mark.parametrize("bad", [-1, 1.5, "2048", True])
def test_memory_mib_refuses_what_is_not_a_size(bad: object) -> None:
    with pytest.raises(ValidationError, match="memory_mib must be a non-negative integer"):
        _domain().memory_mib = bad  # type: ignore[assignment]


def test_lowering_vcpus_lowers_the_current_count_and_a_current_above_is_refused() -> None:
    dom = _domain(vcpus=8)
    dom.vcpus = 2
    assert (dom.vcpus, dom.vcpus_current) == (2, 2)
    with pytest.raises(ValidationError, match=r"vcpus_current \(3\) cannot exceed vcpus \(2\)"):
        dom.vcpus_current = 3


@pytest.mark.parametrize(
    ("mac", "message"),
    [
        ("zz", "must be a MAC address of the form"),
        ("52:54:00:12:34", "must be a MAC address of the form"),
        ("52-54-00-12-34-56", "must be a MAC address of the form"),
        ("01:00:5e:00:00:01", "unicast"),
    ],
)
def test_bad_macs_are_refused_on_interfaces_and_networks(mac: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Interface(mac=mac)
    with pytest.raises(ValidationError, match=message):
        Network(name="n").mac = mac


def test_a_good_mac_is_kept_as_written() -> None:
    assert Interface(mac="52:54:00:AB:cd:01").mac == "52:54:00:AB:cd:01"


@pytest.mark.parametrize("good", ["4dea22b3-1d52-d8f3-2516-782e98ab3fa0", "4dea22b31d52d8f32516782e98ab3fa0"])
def test_uuids_with_or_without_dashes_are_accepted(good: str) -> None:
    assert Domain(uuid=good).uuid == good


@pytest.mark.parametrize(
    "bad", ["x", "4dea22b3-1d52-d8f3-2516-782e98ab3fa", "4dea22b3-1d52d8f3-2516-782e98ab3fa0"]
)
def test_bad_uuids_are_refused_on_domains_networks_pools_and_secrets(bad: str) -> None:
    for obj in (Domain(), Network(), StoragePool()):
        with pytest.raises(ValidationError, match="uuid must be a UUID"):
            obj.uuid = bad  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="source_auth_secret_uuid must be a UUID"):
        Disk(source_auth_secret_uuid=bad)


def test_pci_address_fields_are_bounded_as_libvirt_bounds_them() -> None:
    addr = Address(type="pci", domain="0x0000", bus="0xff", slot="0x1f", function="7")
    assert (addr.bus, addr.slot, addr.function) == ("0xff", "0x1f", "7")
    for field, bad in (
        ("slot", "0x20"),
        ("function", "8"),
        ("bus", "0x100"),
        ("domain", "0x10000"),
        ("slot", "1f"),
    ):
        with pytest.raises(ValidationError, match=f"address {field} must be a number from 0 to"):
            setattr(addr, field, bad)


def test_drive_and_ccw_addresses_are_checked_and_other_types_left_alone() -> None:
    with pytest.raises(ValidationError, match="for a drive address"):
        Address(type="drive", unit="one")
    with pytest.raises(ValidationError, match="for a ccw address"):
        Address(type="ccw", ssid="0x4")
    assert Address(type="usb", bus="0", port="1.2").port == "1.2"


def test_a_disk_wwn_must_be_sixteen_hex_digits() -> None:
    assert Disk(wwn="0x5000c50015ea71ac").wwn == "0x5000c50015ea71ac"
    with pytest.raises(ValidationError, match="wwn must be a WWN"):
        Disk(wwn="5000c5")
