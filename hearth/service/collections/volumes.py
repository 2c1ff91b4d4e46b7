"""Volumes: list, get, create (a clone of a snapshot is a task), delete, attach, detach."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Driver, Operation
from hearth.drivers.resources import Volume, VolumeAttach, VolumeCreate

from ..capability import CapabilityGate
from ..names import named
from ..tags import TagKind, Tags
from ..tasks import Progress, Task, TaskRunner
from .base import TaggedCollection


class Volumes(TaggedCollection):
    def __init__(self, driver: Driver, gate: CapabilityGate, tasks: TaskRunner, tags: Tags) -> None:
        super().__init__(driver, gate, tags)
        self._tasks = tasks

    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Volume]:
        self._gate.require(Operation.volumes_list)
        return named(self._driver.list_volumes(caller), name)

    def get(self, caller: Caller, volume_id: str) -> Volume:
        self._gate.require(Operation.volumes_get)
        return self._driver.get_volume(caller, volume_id)

    def create(self, caller: Caller, request: VolumeCreate) -> Volume | Task:
        """A blank volume at once; a clone of a snapshot (a long copy on real backends) as a task."""
        self._gate.require(Operation.volumes_create)
        if request.snapshot_id is None:
            return self._driver.create_volume(caller, request)
        self._gate.require_features(request)
        if self._gate.supports(Operation.snapshots_get):
            self._driver.get_snapshot(caller, request.snapshot_id)  # a missing snapshot is a 404 now

        def work(progress: Progress) -> Volume:
            progress.update(0, f"cloning snapshot {request.snapshot_id}")
            return self._driver.create_volume(caller, request)

        return self._tasks.submit(caller, "volumes.create", f"clone snapshot {request.snapshot_id}", work)

    def delete(self, caller: Caller, volume_id: str) -> None:
        """Refused (409) while the volume is attached or has snapshots."""
        self._gate.require(Operation.volumes_delete)
        self._driver.delete_volume(caller, volume_id)
        self._tags.drop(TagKind.volume, volume_id)

    def attach(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        self._gate.require(Operation.volumes_attach)
        return self._driver.attach_volume(caller, volume_id, request)

    def detach(self, caller: Caller, volume_id: str) -> Volume:
        self._gate.require(Operation.volumes_detach)
        return self._driver.detach_volume(caller, volume_id)
