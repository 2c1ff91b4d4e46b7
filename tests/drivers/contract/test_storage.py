"""Storage volumes (create, attach at a device, detach, delete) and snapshots."""

from __future__ import annotations

import pytest

from hearth.drivers import Operation
from hearth.drivers.resources import (
    SnapshotCreate,
    VolumeAttach,
    VolumeCreate,
    VolumeState,
    parse_request,
)
from hearth.errors import Conflict, InvalidState, NotFound, ValidationError

from .helpers import DriverCase, boot, serves


def test_volume_lifecycle_with_attach_and_detach(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.volumes_create, lambda: d.create_volume(alice, VolumeCreate(capacity_gb=1))):
        return
    vol = d.create_volume(alice, VolumeCreate(capacity_gb=2))
    assert vol.state is VolumeState.AVAILABLE and vol.capacity_gb == 2 and vol.instance is None
    assert vol.id in {v.id for v in d.list_volumes(alice)}
    assert d.get_volume(alice, vol.id) == vol
    inst = boot(case)
    attach = lambda v: d.attach_volume(alice, v, VolumeAttach(instance_id=inst.id, device="vdb"))  # noqa: E731
    if not serves(d, Operation.volumes_attach, lambda: attach(vol.id)):
        d.delete_volume(alice, vol.id)
        return
    on = attach(vol.id)
    assert on.state is VolumeState.IN_USE and on.instance == inst.id and on.device == "vdb"
    with pytest.raises(Conflict):
        attach(vol.id)  # already attached
    other = d.create_volume(alice, VolumeCreate(capacity_gb=1))
    with pytest.raises(Conflict):
        attach(other.id)  # the device is taken
    with pytest.raises((Conflict, InvalidState)):
        d.delete_volume(alice, vol.id)  # attached volumes are not deleted
    off = d.detach_volume(alice, vol.id)
    assert off.state is VolumeState.AVAILABLE and off.instance is None and off.device is None
    with pytest.raises(Conflict):
        d.detach_volume(alice, vol.id)
    d.delete_volume(alice, vol.id)
    with pytest.raises(NotFound):
        d.get_volume(alice, vol.id)


def test_bad_volume_requests_are_validation_errors(case: DriverCase) -> None:
    with pytest.raises(ValidationError):
        parse_request(VolumeCreate, {"capacity_gb": 0})
    for device in ("vda1", "../sda", "nvme0n1", ""):
        with pytest.raises(ValidationError) as err:
            parse_request(VolumeAttach, {"instance_id": "i", "device": device})
        assert "device" in err.value.message


def test_snapshots_of_a_volume(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not d.capabilities().supports(Operation.volumes_create):
        return
    vol = d.create_volume(alice, VolumeCreate(capacity_gb=1))
    if not serves(
        d, Operation.snapshots_create, lambda: d.create_snapshot(alice, SnapshotCreate(volume_id=vol.id))
    ):
        return
    snap = d.create_snapshot(alice, SnapshotCreate(volume_id=vol.id, name="before"))
    assert snap.volume == vol.id and snap.name == "before" and snap.owner_id == alice.user_id
    assert snap.id in {s.id for s in d.list_snapshots(alice)}
    assert d.get_snapshot(alice, snap.id) == snap
    assert snap.id not in {s.id for s in d.list_snapshots(case.bob)}
    with pytest.raises(NotFound):
        d.create_snapshot(case.bob, SnapshotCreate(volume_id=vol.id))
    with pytest.raises(Conflict):
        d.delete_volume(alice, vol.id)  # its snapshots would be orphaned
    d.delete_snapshot(alice, snap.id)
    with pytest.raises(NotFound):
        d.get_snapshot(alice, snap.id)
    d.delete_volume(alice, vol.id)
