"""The qemu driver's fixed catalogue: one realm (this host) and a few hardware profiles, and
the realms and hardware-profiles parts that list them (they need no QEMU and no store).

A direct-QEMU host is one machine, so there is one realm, ``local``. Profiles are small on
purpose (the test guest and most cloud images boot in 256 MiB); ``opaque`` leaves memory and
CPUs to the designer, which takes them from the OS's osinfo recommendations.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hearth.drivers.profiles import fixed
from hearth.errors import NotFound

from ..caller import SYSTEM_OWNER, Caller
from ..parts import HardwareProfilesPart, RealmsPart
from ..resources import (
    HWP_UNITS,
    HardwareProfile,
    HwpProperty,
    HwpPropertyName,
    PropertyKind,
    Realm,
    RealmState,
)

M, C, S, A = (
    HwpPropertyName.memory,
    HwpPropertyName.cpu,
    HwpPropertyName.storage,
    HwpPropertyName.architecture,
)
# Catalogue entries are not created by anyone; a fixed stamp keeps repeated reads equal.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
REALM_ID = "local"
# Root disk size when neither the profile nor the image says (GiB).
DEFAULT_ROOT_GB = 1


_PROFILES: dict[str, dict[HwpPropertyName, HwpProperty]] = {
    "small": {M: fixed(M, 256), C: fixed(C, 1), S: fixed(S, 1), A: fixed(A, "x86_64")},
    "medium": {M: fixed(M, 2048), C: fixed(C, 2), S: fixed(S, 20), A: fixed(A, "x86_64")},
    "flexible": {
        M: HwpProperty(kind=PropertyKind.range, unit=HWP_UNITS[M], value=256, first=128, last=2048, step=128),
        C: HwpProperty(kind=PropertyKind.enum, unit=HWP_UNITS[C], value=1, values=[1, 2]),
        S: HwpProperty(kind=PropertyKind.range, unit=HWP_UNITS[S], value=1, first=1, last=100),
        A: fixed(A, "x86_64"),
    },
    "opaque": {},
}

HARDWARE_PROFILES: dict[str, HardwareProfile] = {
    name: HardwareProfile(id=name, name=name, owner_id=SYSTEM_OWNER, created=EPOCH, properties=props)
    for name, props in _PROFILES.items()
}
REALM = Realm(id=REALM_ID, name=REALM_ID, owner_id=SYSTEM_OWNER, created=EPOCH, state=RealmState.AVAILABLE)


def profile(hwp_id: str) -> HardwareProfile:
    found = HARDWARE_PROFILES.get(hwp_id)
    if found is None:
        raise NotFound(f"hardware profile {hwp_id} not found", kind="hardware profile", id=hwp_id)
    return found


def realm(realm_id: str) -> Realm:
    if realm_id != REALM_ID:
        raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)
    return REALM


class Realms(RealmsPart):
    def list_realms(self, caller: Caller) -> list[Realm]:
        return [REALM]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return realm(realm_id)


class HardwareProfiles(HardwareProfilesPart):
    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return list(HARDWARE_PROFILES.values())

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return profile(hwp_id)
