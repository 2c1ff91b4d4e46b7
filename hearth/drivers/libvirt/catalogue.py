"""Realms and hardware profiles of the libvirt driver: one realm per host, a fixed profile set."""

from __future__ import annotations

from hearth.errors import HearthError

from ..caller import SYSTEM_OWNER, Caller
from ..parts import HardwareProfilesPart, RealmsPart
from ..resources import HardwareProfile, Realm, RealmState
from .connection import Link
from .context import EPOCH, LibvirtContext
from .hardware import HARDWARE_PROFILES, hardware_profile


class Realms(RealmsPart):
    """A realm is a host; it is AVAILABLE while the host answers (asked on every read)."""

    context: LibvirtContext

    def list_realms(self, caller: Caller) -> list[Realm]:
        return [_realm(link) for link in self.context.links.values()]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return _realm(self.context.link(realm_id))


class HardwareProfiles(HardwareProfilesPart):
    context: LibvirtContext

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return list(HARDWARE_PROFILES.values())

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return hardware_profile(hwp_id)


def _realm(link: Link) -> Realm:
    try:
        link.run("checking the host", lambda c: c.getLibVersion())
        state = RealmState.AVAILABLE
    except HearthError:
        state = RealmState.UNAVAILABLE
    return Realm(
        id=link.host.realm,
        name=link.host.realm,
        owner_id=SYSTEM_OWNER,
        created=EPOCH,
        state=state,
    )
