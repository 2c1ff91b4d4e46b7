"""Removable media on libvirt: the port of ``hearth.drivers.removable`` over ``<disk>`` devices.

A medium change is libvirt's device *update* of the drive, on the running guest (a live tray
change) and in the persistent definition; a new drive is a device attach to the definition,
which happens only while the instance is stopped. Remote media is a network disk QEMU reads
itself (``hearth.media.attach``); a local file on this host must lie inside the driver's
allowed directories or a media source, and be reachable by QEMU, like every other host file a
request names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hearth.domain import Disk, Domain
from hearth.vocab.disk_devices import RemovableType

from .. import removable
from ..caller import Caller
from ..removable import Change, Drive, Held, RemovableDisks
from .context import Found, LibvirtContext


class Disks(RemovableDisks[Found]):
    context: LibvirtContext
    removable_kinds = frozenset(RemovableType)

    # --- the port -------------------------------------------------------------------------------

    def load_drives(self, caller: Caller, instance_id: str) -> tuple[str, list[Drive]]:
        found = self.context.find(caller, instance_id)
        return found.id, _drives(found)

    @contextmanager
    def changing_drives(self, caller: Caller, instance_id: str) -> Iterator[Held[Found]]:
        # libvirt serialises changes of one domain itself; nothing of ours is held meanwhile.
        found = self.context.find(caller, instance_id)
        state = self.context.state_of(found)
        yield Held(found.id, state, found.xml.os.machine, _drives(found), found)

    def local_medium(self, held: Held[Found], kind: RemovableType, path: str, caller: Caller) -> str:
        return self.context.host_file(held.handle.link, kind.value, path, caller)

    def apply_live(self, held: Held[Found], change: Change) -> None:
        self.context.change_live_device(held.handle, "update", removable.disk_of(change).to_xml())

    def persist(self, held: Held[Found], change: Change) -> None:
        disk = removable.disk_of(change)

        def edit(xml: Domain) -> None:
            for old in [d for d in xml.devices.disks if d.target_dev == change.dev]:
                old.remove()
            xml.devices.disks.append(Disk.from_xml(disk.to_xml()))

        verb = "attach" if change.new else "update"
        self.context.change_defined_device(held.handle, verb, disk.to_xml(), edit)


def _drives(found: Found) -> list[Drive]:
    return [removable.drive_of(d) for d in found.xml.devices.disks if d.target_dev]
