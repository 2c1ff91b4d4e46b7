"""Realms, hardware profiles and keys: the read-mostly parts that need no QEMU."""

from __future__ import annotations

from ..caller import Caller
from ..resources import HardwareProfile, Realm
from . import catalogue
from .observe import ObserveOps


class CatalogueOps(ObserveOps):
    def list_realms(self, caller: Caller) -> list[Realm]:
        return [catalogue.REALM]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return catalogue.realm(realm_id)

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return list(catalogue.HARDWARE_PROFILES.values())

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return catalogue.profile(hwp_id)
