"""The mock's realms and hardware profiles: seeded rows (see ``seed``), read-only."""

from __future__ import annotations

from sqlalchemy import select

from ..caller import Caller, can_see
from ..parts import HardwareProfilesPart, RealmsPart
from ..resources import HardwareProfile, Realm, RealmState
from .context import MockContext
from .lookups import hwp_model, hwp_row, realm_row
from .tables import MockHardwareProfile, MockRealm


def realm_model(row: MockRealm) -> Realm:
    return Realm(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        state=RealmState(row.state),
        limit=row.limit,
    )


class Realms(RealmsPart):
    context: MockContext

    def list_realms(self, caller: Caller) -> list[Realm]:
        with self.context.read() as s:
            rows = s.scalars(select(MockRealm).order_by(MockRealm.id))
            return [realm_model(r) for r in rows if can_see(caller, r.owner_id)]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        with self.context.read() as s:
            return realm_model(realm_row(s, caller, realm_id))


class HardwareProfiles(HardwareProfilesPart):
    context: MockContext

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        with self.context.read() as s:
            return [
                hwp_model(r) for r in s.scalars(select(MockHardwareProfile).order_by(MockHardwareProfile.id))
            ]

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        with self.context.read() as s:
            return hwp_model(hwp_row(s, caller, hwp_id))
