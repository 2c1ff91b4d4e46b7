"""Realms and hardware profiles: the read-only catalogue instances are made from."""

from __future__ import annotations

import builtins

from hearth.drivers import Caller, Operation
from hearth.drivers.resources import HardwareProfile, Realm

from ..names import named
from .base import DriverCollection


class Realms(DriverCollection):
    """Where instances can run (hosts or regions)."""

    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Realm]:
        self._gate.require(Operation.realms_list)
        return named(self._driver.list_realms(caller), name)

    def get(self, caller: Caller, realm_id: str) -> Realm:
        self._gate.require(Operation.realms_get)
        return self._driver.get_realm(caller, realm_id)


class HardwareProfiles(DriverCollection):
    """Sizes with fixed, range and enum properties."""

    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[HardwareProfile]:
        self._gate.require(Operation.hardware_profiles_list)
        return named(self._driver.list_hardware_profiles(caller), name)

    def get(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        self._gate.require(Operation.hardware_profiles_get)
        return self._driver.get_hardware_profile(caller, hwp_id)
