"""Snapshots: point-in-time copies of volumes."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import Snapshot, SnapshotCreate

from ..names import named
from ..tags import TagKind
from .base import TaggedCollection


class Snapshots(TaggedCollection):
    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Snapshot]:
        self._gate.require(Operation.snapshots_list)
        return named(self._driver.list_snapshots(caller), name)

    def get(self, caller: Caller, snapshot_id: str) -> Snapshot:
        self._gate.require(Operation.snapshots_get)
        return self._driver.get_snapshot(caller, snapshot_id)

    def create(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        self._gate.require(Operation.snapshots_create)
        return self._driver.create_snapshot(caller, request)

    def delete(self, caller: Caller, snapshot_id: str) -> None:
        self._gate.require(Operation.snapshots_delete)
        self._driver.delete_snapshot(caller, snapshot_id)
        self._tags.drop(TagKind.snapshot, snapshot_id)
