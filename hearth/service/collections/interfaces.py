"""An instance's NICs, named by MAC: added and removed live on a running instance, and persisted."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import InterfaceCreate, InterfaceUpdate, NetworkInterface

from .base import DriverCollection


class Interfaces(DriverCollection):
    def list(self, caller: Caller, instance_id: str) -> builtins.list[NetworkInterface]:
        self._gate.require(Operation.interfaces_list)
        return self._driver.list_interfaces(caller, instance_id)

    def get(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface:
        self._gate.require(Operation.interfaces_get)
        return self._driver.get_interface(caller, instance_id, mac)

    def create(self, caller: Caller, instance_id: str, request: InterfaceCreate) -> NetworkInterface:
        self._gate.require(Operation.interfaces_create)
        return self._driver.create_interface(caller, instance_id, request)

    def update(
        self, caller: Caller, instance_id: str, mac: str, request: InterfaceUpdate
    ) -> NetworkInterface:
        self._gate.require(Operation.interfaces_update)
        return self._driver.update_interface(caller, instance_id, mac, request)

    def delete(self, caller: Caller, instance_id: str, mac: str) -> NetworkInterface | None:
        """None once the NIC is gone; the NIC, ``detaching``, while the guest has yet to let go."""
        self._gate.require(Operation.interfaces_delete)
        return self._driver.delete_interface(caller, instance_id, mac)
