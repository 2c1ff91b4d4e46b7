"""Mock removable drives: the port of ``hearth.drivers.removable`` over rows in ``mock_disks``.

The mock guest is a pc machine without a boot disk, so its drives are just the cdroms and
floppies media was put into; a remote medium is kept as its URL, a local one as its path. No
guest runs, so nothing changes live: the row is the whole of a drive.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.vocab.disk_devices import RemovableType, disk_device

from ..caller import Caller
from ..removable import Change, Drive, Held, RemovableDisks
from .context import MockContext
from .tables import MockDisk


class Disks(RemovableDisks[Session]):
    context: MockContext
    removable_kinds = frozenset(RemovableType)

    # --- the port -------------------------------------------------------------------------------

    def load_drives(self, caller: Caller, instance_id: str) -> tuple[str, list[Drive]]:
        with self.context.read() as s:
            inst, _ = self.context.instance_state(s, caller, instance_id)
            return inst.id, _drives(s, inst.id)

    @contextmanager
    def changing_drives(self, caller: Caller, instance_id: str) -> Iterator[Held[Session]]:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, instance_id, lock=True)
            yield Held(inst.id, state, None, _drives(s, inst.id), s)

    def local_medium(self, held: Held[Session], kind: RemovableType, path: str, caller: Caller) -> str:
        return path  # no host files behind a mock guest: the path is only recorded

    def apply_live(self, held: Held[Session], change: Change) -> None:
        pass  # no guest runs

    def persist(self, held: Held[Session], change: Change) -> None:
        s = held.handle
        row = s.get(MockDisk, (held.instance_id, change.dev))
        if row is None:
            assert change.bus is not None  # a new drive's bus is always chosen (drives.new_drive)
            kind, bus = change.kind.value, change.bus
            row = MockDisk(instance_id=held.instance_id, dev=change.dev, type=kind, bus=bus)
            s.add(row)
        row.path, row.url = change.path, change.url
        s.flush()


def _drives(s: Session, instance_id: str) -> list[Drive]:
    q = select(MockDisk).where(MockDisk.instance_id == instance_id).order_by(MockDisk.dev)
    return [
        Drive(r.dev, disk_device(r.type), r.bus, r.path, r.url, True, r.url is not None) for r in s.scalars(q)
    ]
