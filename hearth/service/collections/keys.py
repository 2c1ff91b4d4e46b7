"""SSH keys: generated (the private key is returned once) or imported."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import Key, KeyCreate, KeyCreated, KeyImport

from ..names import named
from .base import DriverCollection


class Keys(DriverCollection):
    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Key]:
        self._gate.require(Operation.keys_list)
        return named(self._driver.list_keys(caller), name)

    def get(self, caller: Caller, key_id: str) -> Key:
        self._gate.require(Operation.keys_get)
        return self._driver.get_key(caller, key_id)

    def create(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        """A new keypair; the answer is the only place its private key ever appears."""
        self._gate.require(Operation.keys_create)
        return self._driver.create_key(caller, request)

    def import_(self, caller: Caller, request: KeyImport) -> Key:
        self._gate.require(Operation.keys_import)
        return self._driver.import_key(caller, request)

    def delete(self, caller: Caller, key_id: str) -> None:
        self._gate.require(Operation.keys_delete)
        self._driver.delete_key(caller, key_id)
