"""Choosing a realm: one rule and one wording for every backend that knows its realms' states.

Each backend learns its realms its own way (seeded rows, the cloud's zones); which one a new
instance or volume may go to, and how a refusal reads, must not differ between them.
"""

from __future__ import annotations

from collections.abc import Iterable

from hearth.errors import InvalidState, NotFound

from .resources import Realm, RealmState


def find_realm(realms: Iterable[Realm], realm_id: str) -> Realm:
    """The realm ``realm_id`` among those the caller may see, else NotFound."""
    for realm in realms:
        if realm.id == realm_id:
            return realm
    raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)


def usable_realm(realms: Iterable[Realm], realm_id: str | None, nowhere: str) -> Realm:
    """The realm a new instance or volume goes to: ``realm_id`` if it is AVAILABLE (InvalidState
    if it is not), else the first AVAILABLE one in the backend's order (InvalidState ``nowhere``
    if there is none)."""
    if realm_id is None:
        for realm in realms:
            if realm.state is RealmState.AVAILABLE:
                return realm
        raise InvalidState(nowhere)
    realm = find_realm(realms, realm_id)
    if realm.state is not RealmState.AVAILABLE:
        raise InvalidState(
            f"realm {realm.id} is {realm.state.value}; choose an AVAILABLE realm", realm=realm.id
        )
    return realm
