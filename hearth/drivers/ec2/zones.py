"""Availability zones as Hearth realms: what the realms part lists and where instances and
volumes are placed. Zones belong to the cloud, so every realm is shared (SYSTEM_OWNER)."""

from __future__ import annotations

from hearth.errors import InvalidState, NotFound

from ..caller import SYSTEM_OWNER
from ..resources import Realm, RealmState
from .context import EPOCH, Ec2Context


def list_realms(context: Ec2Context) -> list[Realm]:
    zones = context.cloud.call("listing availability zones", "describe_availability_zones")
    return [
        Realm(
            id=z["ZoneName"],
            name=z["ZoneName"],
            owner_id=SYSTEM_OWNER,
            created=EPOCH,
            state=RealmState.AVAILABLE if z.get("State") == "available" else RealmState.UNAVAILABLE,
        )
        for z in sorted(zones.get("AvailabilityZones", []), key=lambda z: z["ZoneName"])
    ]


def get_realm(context: Ec2Context, realm_id: str) -> Realm:
    for realm in list_realms(context):
        if realm.id == realm_id:
            return realm
    raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)


def usable_realm(context: Ec2Context, realm_id: str | None) -> Realm:
    """The realm to place a new object in: ``realm_id`` if it is AVAILABLE (InvalidState if it
    is not), else the first AVAILABLE zone of the region."""
    if realm_id is None:
        for r in list_realms(context):
            if r.state is RealmState.AVAILABLE:
                return r
        raise InvalidState(f"no availability zone of {context.region} is available")
    realm = get_realm(context, realm_id)
    if realm.state is not RealmState.AVAILABLE:
        raise InvalidState(f"realm {realm.id} is {realm.state.value}; choose an AVAILABLE realm")
    return realm
