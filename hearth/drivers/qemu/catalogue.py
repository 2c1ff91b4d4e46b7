"""The qemu driver's realm: a direct-QEMU host is one machine, so there is one, ``local``.

Its hardware profiles are the shared table's (``profile_catalogue``), served by the shared part;
what the table leaves to the image here is the root disk size (``DEFAULT_ROOT_GB``).
"""

from __future__ import annotations

from ..caller import EPOCH, SYSTEM_OWNER, Caller
from ..parts import RealmsPart
from ..realms import find_realm
from ..resources import Realm, RealmState

REALM_ID = "local"
# Root disk size when neither the profile nor the image says (GiB).
DEFAULT_ROOT_GB = 1
REALM = Realm(id=REALM_ID, name=REALM_ID, owner_id=SYSTEM_OWNER, created=EPOCH, state=RealmState.AVAILABLE)


def realm(realm_id: str) -> Realm:
    return find_realm([REALM], realm_id)


class Realms(RealmsPart):
    def list_realms(self, caller: Caller) -> list[Realm]:
        return [REALM]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return realm(realm_id)
