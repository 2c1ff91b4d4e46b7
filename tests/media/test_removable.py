"""The one removable-media algorithm (``hearth.drivers.removable``) on the backends that run it
without booting a guest: which drive a medium goes into, on which bus a new drive goes, and where
floppies are refused, decided alike whatever the backend keeps its drives in.

Each backend sets an instance's machine as its definition names it (libvirt's test driver keeps
a domain without ``<os><type machine>`` as it is; the qemu driver's saved design is its own
file); the mock has no machine, so it is the PC its docstring says. Running instances are only
made where that is instant (the mock, libvirt's test driver); ``test_disks_drivers`` boots real
guests on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from hearth.domain import Domain
from hearth.drivers import Caller, Driver, wait_for_state
from hearth.drivers.libvirt import LibvirtDriver
from hearth.drivers.qemu import QemuDriver
from hearth.drivers.qemu import design as qemu_design
from hearth.drivers.removable import Drive, view
from hearth.drivers.resources import DiskCreate, DiskUpdate, InstanceCreate, parse_request
from hearth.errors import InvalidState, NotSupported, ValidationError
from hearth.media import drives
from hearth.vocab.disk_devices import RemovableType
from hearth.vocab.instance_states import InstanceState
from tests.drivers.contract.conftest import mock_case
from tests.drivers.contract.helpers import DriverCase
from tests.drivers.contract.libvirt_cases import libvirt_test_case
from tests.drivers.qemu.case import qemu_case

ALICE = Caller("alice")
Factory = Callable[[pytest.FixtureRequest, Path], AbstractContextManager[DriverCase]]
BACKENDS: dict[str, Factory] = {"mock": mock_case, "libvirt-test": libvirt_test_case, "qemu": qemu_case}
WITH_MACHINE = ("libvirt-test", "qemu")  # the backends whose definitions name a machine
INSTANT_START = ("mock", "libvirt-test")


def _case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DriverCase]:
    with BACKENDS[request.param](request, tmp_path) as case:
        yield case


any_backend = pytest.fixture(params=sorted(BACKENDS))(_case)
machine_backend = pytest.fixture(params=WITH_MACHINE)(_case)
running_backend = pytest.fixture(params=INSTANT_START)(_case)


def _stopped(case: DriverCase) -> str:
    req = InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, start=False)
    made = case.driver.create_instance(ALICE, req)
    return wait_for_state(case.driver, ALICE, made.id, InstanceState.STOPPED, timeout=case.wait_timeout).id


def _stopped_pc(case: DriverCase) -> tuple[Driver, str]:
    """The case's driver and a stopped instance of it whose definition names no machine."""
    iid = _stopped(case)
    _set_machine(case.driver, iid, None)
    return case.driver, iid


def _set_machine(driver: Driver, instance_id: str, machine: str | None) -> None:
    """Name ``machine`` (None: none) in the instance's definition, as an operator's edit would."""
    if isinstance(driver, LibvirtDriver):
        found = driver.context.find(ALICE, instance_id)
        xml = Domain.from_xml(found.xml.to_xml())
        xml.os.machine = machine
        driver.context.redefine(found, xml)
    elif isinstance(driver, QemuDriver):
        where = driver.context.layout.instance_dir(instance_id)
        saved = qemu_design.load(where)
        saved.os.machine = machine
        qemu_design.save(saved, where)
    else:
        assert machine is None, "the mock's guests have no machine to name"


def _create(driver: Driver, instance_id: str, kind: str, url: str | None = None) -> tuple[str, str | None]:
    medium = {"url": url} if url else None
    made = driver.create_disk(ALICE, instance_id, parse_request(DiskCreate, {"type": kind, "medium": medium}))
    return made.dev, made.bus


def _supports_floppies(driver: Driver) -> bool:
    return not isinstance(driver, QemuDriver)  # hearth.qemu builds no floppy drive at all


def test_a_definition_naming_no_machine_gets_its_drives_as_a_pc_does(any_backend: DriverCase) -> None:
    driver, iid = _stopped_pc(any_backend)
    dev, bus = _create(driver, iid, "cdrom")
    assert dev.startswith("hd") and bus == "ide"  # libvirt's default board, and hearth.qemu's
    if _supports_floppies(driver):
        assert _create(driver, iid, "floppy") == ("fda", "fdc")
    else:
        with pytest.raises(NotSupported, match=f"the {driver.name} driver's machines have no floppy"):
            _create(driver, iid, "floppy")


@pytest.mark.parametrize("machine", ["q35", "pc-q35-8.2"])
def test_a_q35_machine_gets_sata_cdroms_and_a_floppy_is_refused_with_a_clear_error(
    machine_backend: DriverCase, machine: str
) -> None:
    driver = machine_backend.driver
    iid = _stopped(machine_backend)
    _set_machine(driver, iid, machine)
    dev, bus = _create(driver, iid, "cdrom")
    assert dev.startswith("sd") and bus == "sata"
    error = ValidationError if _supports_floppies(driver) else NotSupported
    with pytest.raises(error, match="no floppy"):
        _create(driver, iid, "floppy")
    assert [d.type for d in driver.list_disks(ALICE, iid)].count("floppy") == 0


def test_a_medium_fills_the_first_empty_drive_of_its_type_then_a_new_one_is_added(
    any_backend: DriverCase,
) -> None:
    driver, iid = _stopped_pc(any_backend)
    empty, _ = _create(driver, iid, "cdrom")
    url = "http://127.0.0.1:1/pub/tools.iso"
    assert _create(driver, iid, "cdrom", url) == (empty, "ide")  # into the empty drive
    second, _ = _create(driver, iid, "cdrom", url)  # none is empty any more: a new drive
    assert second != empty
    held = [d for d in driver.list_disks(ALICE, iid) if d.dev in (empty, second)]
    assert [(d.dev, d.url, d.readonly) for d in held] == [(empty, url, True), (second, url, True)]
    ejected = driver.update_disk(ALICE, iid, empty, parse_request(DiskUpdate, {"medium": None}))
    assert (ejected.dev, ejected.url, ejected.path) == (empty, None, None)
    assert driver.get_disk(ALICE, iid, empty) == ejected


def test_a_running_instance_gets_media_only_in_an_empty_drive_of_the_type_asked_for(
    running_backend: DriverCase,
) -> None:
    driver, iid = _stopped_pc(running_backend)
    floppy, _ = _create(driver, iid, "floppy")
    driver.start_instance(ALICE, iid)
    wait_for_state(driver, ALICE, iid, InstanceState.RUNNING, timeout=running_backend.wait_timeout)
    before = driver.list_disks(ALICE, iid)
    # an empty floppy drive is no place for a cdrom, and drives are not hot-plugged
    with pytest.raises(InvalidState, match="no empty cdrom drive"):
        _create(driver, iid, "cdrom", "http://127.0.0.1:1/pub/tools.iso")
    assert driver.list_disks(ALICE, iid) == before
    assert _create(driver, iid, "floppy", "http://127.0.0.1:1/pub/drivers.img") == (floppy, "fdc")
    with pytest.raises(InvalidState, match="no empty floppy drive"):
        _create(driver, iid, "floppy")


def test_a_fixed_disk_is_not_a_drive_whose_medium_changes(machine_backend: DriverCase) -> None:
    driver = machine_backend.driver  # (the mock's guests have no fixed disk)
    iid = _stopped(machine_backend)
    fixed = [d.dev for d in driver.list_disks(ALICE, iid) if d.type == "disk"]
    assert fixed, "the test image boots from a disk"
    with pytest.raises(ValidationError, match="not a cdrom or floppy"):
        driver.update_disk(ALICE, iid, fixed[0], parse_request(DiskUpdate, {"medium": None}))


def test_credentials_a_definition_holds_in_a_medium_url_are_masked_when_shown() -> None:
    url = "https://user:pw@mirror.example/x.iso"
    drive = Drive("hdc", RemovableType.cdrom, "ide", url=url, readonly=True, network=True)
    shown = view("i-1", drive)
    assert shown.url == "https://***@mirror.example/x.iso" and "pw" not in shown.model_dump_json()


@pytest.mark.parametrize(
    ("machine", "q35", "floppy"),
    [
        (None, False, True),  # libvirt's default board on x86, and hearth.qemu's
        ("pc", False, True),
        ("pc-i440fx-8.2", False, True),
        ("pc-1.0", False, True),
        ("isapc", False, True),
        ("q35", True, False),
        ("pc-q35-8.2", True, False),
        ("virt", False, False),  # ARM's board: no ISA floppy controller
    ],
)
def test_which_boards_are_q35_and_which_have_a_floppy_controller(
    machine: str | None, q35: bool, floppy: bool
) -> None:
    assert drives.is_q35(machine) is q35
    assert drives.has_floppy_controller(machine) is floppy
