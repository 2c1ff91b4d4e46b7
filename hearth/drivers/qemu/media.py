"""Removable media on the qemu driver: the port of ``hearth.drivers.removable`` over the saved design.

A running guest gets its medium over QMP (``blockdev-change-medium``, a remote one as a ``json:``
curl filename from ``hearth.media.attach``; ``eject`` to empty it) and the saved design records
the same drive, so the next start sees it; a remote medium is inserted once QEMU runs
(``removable``). ``hearth.qemu`` builds no floppy drive, so this driver has cdroms only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hearth.domain import Disk, Domain
from hearth.media.attach import qmp_medium
from hearth.vocab.disk_devices import RemovableType

from .. import removable
from ..caller import Caller
from ..removable import Change, Drive, Held, RemovableDisks
from .context import DesignChange, QemuContext
from .files import inside_roots
from .remote_media import device_id


class Disks(RemovableDisks[DesignChange]):
    context: QemuContext
    removable_kinds = frozenset({RemovableType.cdrom})

    # --- the port -------------------------------------------------------------------------------

    def load_drives(self, caller: Caller, instance_id: str) -> tuple[str, list[Drive]]:
        iid, domain = self.context.saved_design(caller, instance_id)
        return iid, _drives(domain)

    @contextmanager
    def changing_drives(self, caller: Caller, instance_id: str) -> Iterator[Held[DesignChange]]:
        with self.context.changing_design(caller, instance_id) as change:
            domain = change.domain
            yield Held(change.instance_id, change.state, domain.os.machine, _drives(domain), change)

    def local_medium(self, held: Held[DesignChange], kind: RemovableType, path: str, caller: Caller) -> str:
        return str(inside_roots(path, self.context.media_roots, kind.value))

    def apply_live(self, held: Held[DesignChange], change: Change) -> None:
        handle = self.context.handle(held.instance_id)
        dev_id = device_id(_disk(held, change))
        if change.path is None and change.url is None:
            handle.eject(dev_id)
        else:
            medium = qmp_medium(dev_id, path=change.path, url=change.url, options=change.options)
            handle.qmp.execute("blockdev-change-medium", medium)

    def persist(self, held: Held[DesignChange], change: Change) -> None:
        disk = _disk(held, change)
        domain = held.handle.domain
        for old in [d for d in domain.devices.disks if d.target_dev == change.dev]:
            old.remove()
        domain.devices.disks.append(disk)
        held.handle.save()


def _drives(domain: Domain) -> list[Drive]:
    return [removable.drive_of(d) for d in domain.devices.disks if d.target_dev]


def _disk(held: Held[DesignChange], change: Change) -> Disk:
    """The drive's ``<disk>`` as the change makes it, keeping the alias QEMU knows the drive by."""
    disk = removable.disk_of(change)
    disk.alias = next((d.alias for d in held.handle.domain.devices.disks if d.target_dev == change.dev), None)
    return disk
