"""Realms of the libvirt driver: one per host. Its hardware profiles are the shared table's
(``profile_catalogue``), served by the shared part."""

from __future__ import annotations

from hearth.errors import HearthError

from ..caller import EPOCH, SYSTEM_OWNER, Caller
from ..parts import RealmsPart
from ..resources import Realm, RealmState
from .connection import Link
from .context import LibvirtContext


class Realms(RealmsPart):
    """A realm is a host; it is AVAILABLE while the host answers (asked on every read)."""

    context: LibvirtContext

    def list_realms(self, caller: Caller) -> list[Realm]:
        return [_realm(link) for link in self.context.links.values()]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return _realm(self.context.link(realm_id))


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
