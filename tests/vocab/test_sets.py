"""The closed sets: how they split and join, and the rules that go with them."""

from __future__ import annotations

import pytest

from hearth.errors import InvalidState, ValidationError
from hearth.vocab.choice import choose
from hearth.vocab.device_names import DISK_DEV_PATTERN, DISK_PREFIX_PATTERN, VOLUME_DEVICE_PATTERN
from hearth.vocab.disk_devices import ALL_DISK_DEVICES, REMOVABLE, FixedDiskDevice, RemovableType, disk_device
from hearth.vocab.instance_states import CHANGEABLE, InstanceState, check_changeable
from hearth.vocab.macvtap_modes import ALL_MACVTAP_MODES, LibvirtOnlyMacvtapMode, MacvtapMode
from hearth.vocab.nic_kinds import (
    HOST_DEVICE_KINDS,
    LIBVIRT_TYPE,
    OVS_VIRTUALPORT,
    SOURCE_OF,
    InterfaceType,
    kind_of,
    needs_source,
)
from hearth.vocab.nic_models import ALL_NIC_MODELS, DEFAULT_NIC_MODEL, LibvirtOnlyNicModel, NicModel
from hearth.vocab.topology import level_problem, topology_problem


def test_split_sets_are_disjoint_and_join_to_libvirt_s() -> None:
    assert not {m.value for m in NicModel} & {m.value for m in LibvirtOnlyNicModel}
    assert len(ALL_NIC_MODELS) == len(NicModel) + len(LibvirtOnlyNicModel) == 7
    assert not {m.value for m in MacvtapMode} & {m.value for m in LibvirtOnlyMacvtapMode}
    assert set(ALL_MACVTAP_MODES) == {"bridge", "vepa", "private", "passthrough"}
    assert set(ALL_DISK_DEVICES) == {"disk", "cdrom", "floppy", "lun"}
    assert set(ALL_DISK_DEVICES) == {*FixedDiskDevice, *RemovableType}
    assert {"cdrom", "floppy"} == REMOVABLE and DEFAULT_NIC_MODEL is NicModel.virtio


def test_a_disk_device_as_read_is_its_member_and_an_absent_one_is_a_disk() -> None:
    assert [disk_device(d.value) for d in ALL_DISK_DEVICES] == list(ALL_DISK_DEVICES)
    assert disk_device("cdrom") is RemovableType.cdrom
    assert disk_device(None) is FixedDiskDevice.disk
    with pytest.raises(ValueError, match="'tape' is not a disk device"):
        disk_device("tape")


def test_every_kind_but_user_needs_a_source_and_host_kinds_sit_on_a_host_device() -> None:
    assert [k for k in InterfaceType if not needs_source(k)] == [InterfaceType.user]
    assert set(HOST_DEVICE_KINDS) == {InterfaceType.bridge, InterfaceType.ovs, InterfaceType.macvtap}
    assert set(SOURCE_OF) == set(InterfaceType) - {InterfaceType.user}


@pytest.mark.parametrize("kind", list(InterfaceType))
def test_a_kind_survives_the_trip_through_libvirt_s_interface_type(kind: InterfaceType) -> None:
    virtualport = OVS_VIRTUALPORT if kind is InterfaceType.ovs else None
    assert kind_of(LIBVIRT_TYPE[kind], virtualport) is kind


def test_interface_types_hearth_does_not_make_read_as_user_mode() -> None:
    assert kind_of("ethernet", None) is InterfaceType.user
    assert kind_of(None, None) is InterfaceType.user


def test_devices_change_only_while_running_or_stopped() -> None:
    assert {InstanceState.RUNNING, InstanceState.STOPPED} == CHANGEABLE
    check_changeable("i-1", InstanceState.STOPPED, "media")
    with pytest.raises(InvalidState, match="cannot change the media of instance i-1 while it is PAUSED"):
        check_changeable("i-1", InstanceState.PAUSED, "media")


def test_a_topology_must_add_up_to_the_maximum() -> None:
    assert topology_problem(8, sockets=2, cores=2, threads=2) is None
    assert topology_problem(6, sockets=1, cores=2, threads=2) == (
        "gives 4 vCPUs (sockets x cores x threads) but the maximum is 6"
    )
    assert "(sockets x dies x cores x threads)" in (
        topology_problem(3, sockets=1, dies=2, cores=1, threads=1) or ""
    )


@pytest.mark.parametrize(
    ("label", "value"), [("sockets", 0), ("cores", 4097), ("threads", 65), ("sockets", True)]
)
def test_a_topology_level_out_of_bounds_is_named(label: str, value: object) -> None:
    assert label in (level_problem(label, value) or "")


def test_level_bounds_hold_at_their_edges() -> None:
    assert level_problem("threads", 64) is None and level_problem("cores", 4096) is None


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (VOLUME_DEVICE_PATTERN, ["vdb", "sdc", "hda", "xvdd"], ["vdaa", "fda", "vd", "nvme0"]),
        (DISK_DEV_PATTERN, ["vdb", "sdaa", "hdc", "fda", "xvdz"], ["fdaa", "sd", "vdaaa", "sr0"]),
    ],
)
def test_device_name_patterns(pattern: str, good: list[str], bad: list[str]) -> None:
    import re

    assert all(re.fullmatch(pattern, g) for g in good)
    assert not any(re.fullmatch(pattern, b) for b in bad)
    assert all(re.match(DISK_PREFIX_PATTERN, g) for g in good if not g.startswith("fd"))


def test_choose_names_every_allowed_value_and_the_caller_s_own_words() -> None:
    assert choose("NIC model", "pcnet", (NicModel, LibvirtOnlyNicModel)) is LibvirtOnlyNicModel.pcnet
    with pytest.raises(ValidationError) as err:
        choose("graphics", "sdl2", (MacvtapMode,), others=["auto"])
    assert err.value.message == "graphics must be one of auto, bridge, vepa, not 'sdl2'"
    with pytest.raises(ValidationError):
        choose("kind", 3, (InterfaceType,))
