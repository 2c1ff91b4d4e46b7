"""The mock's realms and hardware profiles: seeded rows (see ``seed``), read-only."""

from __future__ import annotations

from ..caller import Caller
from ..parts import HardwareProfilesPart, RealmsPart
from ..resources import HardwareProfile, Realm
from .context import MockContext
from .rows import PROFILES, REALMS


class Realms(RealmsPart):
    context: MockContext

    def list_realms(self, caller: Caller) -> list[Realm]:
        return REALMS.list(self.context, caller)

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return REALMS.get(self.context, caller, realm_id)


class HardwareProfiles(HardwareProfilesPart):
    context: MockContext

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return PROFILES.list(self.context, caller)

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return PROFILES.get(self.context, caller, hwp_id)
