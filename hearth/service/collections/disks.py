"""An instance's removable drives (cdrom, floppy) and the medium in each.

Naming a medium by a media id, a path in a source or a URL, and caching it, is the media
service's work; these take a resolved ``MediumSource`` (or none: an empty drive).
"""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import DiskCreate, DiskUpdate, InstanceDisk

from .base import DriverCollection


class Disks(DriverCollection):
    def list(self, caller: Caller, instance_id: str) -> builtins.list[InstanceDisk]:
        self._gate.require(Operation.disks_list)
        return self._driver.list_disks(caller, instance_id)

    def get(self, caller: Caller, instance_id: str, dev: str) -> InstanceDisk:
        self._gate.require(Operation.disks_get)
        return self._driver.get_disk(caller, instance_id, dev)

    def create(self, caller: Caller, instance_id: str, request: DiskCreate) -> InstanceDisk:
        """Put a medium in the first empty drive of its type (live when running, and persistently)."""
        self._gate.require(Operation.disks_create)
        return self._driver.create_disk(caller, instance_id, request)

    def update(self, caller: Caller, instance_id: str, dev: str, request: DiskUpdate) -> InstanceDisk:
        """Change (or with no medium, eject) the medium in place."""
        self._gate.require(Operation.disks_update)
        return self._driver.update_disk(caller, instance_id, dev, request)
