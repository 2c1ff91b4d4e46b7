"""The qemu driver's rows as owned collections, each described once for every part that reads it.

Images are read by the images and instances parts, volumes by the volumes and snapshots parts
(a snapshot is of a volume, a volume may be made from a snapshot), instances by every part that
acts on one. A deleted image that instances still build on keeps its row, hidden, until
``imagefiles.collect_unused`` removes it.
"""

from __future__ import annotations

from ..owned import OwnedCollection, OwnedRows
from ..row_models import (
    attached_volume_model,
    image_model,
    network_model,
    stored_snapshot_model,
    subnet_model,
)
from .tables import QemuImage, QemuInstance, QemuNetwork, QemuSnapshot, QemuSubnet, QemuVolume

IMAGES = OwnedCollection(QemuImage, "image", image_model, QemuImage.deleted.is_(False))
# An instance's view needs its QEMU's state too (``instances``), so only its rows are here.
INSTANCES = OwnedRows(QemuInstance, "instance")
VOLUMES = OwnedCollection(QemuVolume, "volume", attached_volume_model)
SNAPSHOTS = OwnedCollection(QemuSnapshot, "snapshot", stored_snapshot_model, parent=QemuSnapshot.volume_id)
NETWORKS = OwnedCollection(QemuNetwork, "network", network_model)
SUBNETS = OwnedCollection(QemuSubnet, "subnet", subnet_model, parent=QemuSubnet.network_id)
