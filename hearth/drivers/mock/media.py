"""Mock removable drives: rows in ``mock_disks``, following the rules of ``hearth.media.drives``.

The mock guest is a pc machine without a boot disk, so its drives are just the cdroms and
floppies media was put into; a remote medium is kept as its URL, a local one as its path.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.media import drives

from ..caller import Caller
from ..parts import DisksPart
from ..resources import DiskCreate, DiskUpdate, InstanceDisk, InstanceState, MediumSource
from .context import MockContext
from .tables import MockDisk


class Disks(DisksPart):
    context: MockContext

    def list_disks(self, caller: Caller, instance_id: str) -> list[InstanceDisk]:
        with self.context.read() as s:
            self.context.instance_state(s, caller, instance_id)
            return [_disk(r) for r in _disk_rows(s, instance_id)]

    def get_disk(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        with self.context.read() as s:
            inst, _ = self.context.instance_state(s, caller, instance_id)
            row = s.get(MockDisk, (inst.id, dev))
            if row is None:
                raise drives.not_found(inst.id, dev)
            return _disk(row)

    def create_disk(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            drives.check_changeable(inst.id, state)
            rows = _disk_rows(s, inst.id)
            empty = [r for r in rows if r.type == request.type.value and r.path is None and r.url is None]
            if empty:
                row = empty[0]
            elif state is InstanceState.RUNNING:
                raise drives.no_empty_drive(inst.id, request.type)
            else:
                dev, bus = drives.new_drive(request.type, (r.dev for r in rows), q35=False)
                row = MockDisk(instance_id=inst.id, dev=dev, type=request.type.value, bus=bus)
                s.add(row)
            _put(row, request.medium)
            s.flush()
            return _disk(row)

    def update_disk(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        dev = drives.parse_dev(dev)
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            row = s.get(MockDisk, (inst.id, dev))
            if row is None:
                raise drives.not_found(inst.id, dev)
            drives.check_changeable(inst.id, state)
            _put(row, request.medium)
            s.flush()
            return _disk(row)


def _disk_rows(s: Session, instance_id: str) -> list[MockDisk]:
    q = select(MockDisk).where(MockDisk.instance_id == instance_id).order_by(MockDisk.dev)
    return list(s.scalars(q))


def _disk(row: MockDisk) -> InstanceDisk:
    return InstanceDisk(
        dev=row.dev,
        type=row.type,
        bus=row.bus,
        instance_id=row.instance_id,
        path=row.path,
        url=row.url,
        readonly=True,
    )


def _put(row: MockDisk, medium: MediumSource | None) -> None:
    row.path = medium.path if medium else None
    row.url = medium.url if medium else None
