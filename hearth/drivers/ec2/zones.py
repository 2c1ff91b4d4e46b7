"""Availability zones as Hearth realms: what the realms part lists and where instances and
volumes are placed. Zones belong to the cloud, so every realm is shared (SYSTEM_OWNER)."""

from __future__ import annotations

from .. import realms
from ..caller import EPOCH, SYSTEM_OWNER
from ..realms import find_realm
from ..resources import Realm, RealmState
from .context import Ec2Context


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
    return find_realm(list_realms(context), realm_id)


def usable_realm(context: Ec2Context, realm_id: str | None) -> Realm:
    """The zone to place a new object in (``realms.usable_realm``'s rule over the region's zones)."""
    return realms.usable_realm(
        list_realms(context), realm_id, f"no availability zone of {context.region} is available"
    )
