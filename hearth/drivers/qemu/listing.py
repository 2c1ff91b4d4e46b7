"""Realms, hardware profiles and keys: the read-mostly parts that need no QEMU."""

from __future__ import annotations

from ..caller import Caller
from ..resources import HardwareProfile, Key, KeyCreate, KeyCreated, KeyImport, Realm
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

    # Keys are a Hearth concept, kept in the shared key store.

    def list_keys(self, caller: Caller) -> list[Key]:
        return self.keys.list(caller)

    def get_key(self, caller: Caller, key_id: str) -> Key:
        return self.keys.get(caller, key_id)

    def create_key(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        return self.keys.create(caller, request)

    def import_key(self, caller: Caller, request: KeyImport) -> Key:
        return self.keys.import_(caller, request)

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self.keys.delete(caller, key_id)
