"""The mock's rows as owned collections, each described once for every part that reads it.

A collection's own part serves it, and other parts check what they are placed on, made of or
attached to against the same rows (instances their image, realm and profile; snapshots their
volume and volumes their snapshots; NICs their network and subnet).
"""

from __future__ import annotations

from ..owned import OwnedCollection
from ..resources import HardwareProfile, Realm, RealmState
from ..row_models import (
    attached_volume_model,
    image_model,
    network_model,
    stored_snapshot_model,
    subnet_model,
)
from .tables import (
    MockHardwareProfile,
    MockImage,
    MockNetwork,
    MockRealm,
    MockSnapshot,
    MockSubnet,
    MockVolume,
)


def realm_model(row: MockRealm) -> Realm:
    return Realm(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        state=RealmState(row.state),
        limit=row.limit,
    )


def hwp_model(row: MockHardwareProfile) -> HardwareProfile:
    return HardwareProfile.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "owner_id": row.owner_id,
            "created": row.created,
            "properties": row.properties,
        }
    )


# The catalogue is listed by id (its ids are names users type); the rest in creation order.
IMAGES = OwnedCollection(MockImage, "image", image_model)
REALMS = OwnedCollection(MockRealm, "realm", realm_model, order=(MockRealm.id,))
PROFILES = OwnedCollection(
    MockHardwareProfile, "hardware profile", hwp_model, order=(MockHardwareProfile.id,)
)
VOLUMES = OwnedCollection(MockVolume, "volume", attached_volume_model)
SNAPSHOTS = OwnedCollection(MockSnapshot, "snapshot", stored_snapshot_model, parent=MockSnapshot.volume_id)
NETWORKS = OwnedCollection(MockNetwork, "network", network_model)
SUBNETS = OwnedCollection(MockSubnet, "subnet", subnet_model, parent=MockSubnet.network_id)
