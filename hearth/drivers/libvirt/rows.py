"""The libvirt driver's rows as owned collections, each described once for every part that reads it.

The host is the truth for what runs and what is attached; the rows hold what the host cannot:
who owns an image, volume, snapshot or network, and its Hearth name. A deleted image whose base
volume still backs instance disks keeps its row, hidden (``DELETED``), until it is collected.
"""

from __future__ import annotations

from ..owned import OwnedCollection, OwnedRows
from ..resources import Snapshot, SnapshotState
from ..row_models import image_model, network_model, snapshot_model, subnet_model
from .tables import LibvirtImage, LibvirtNetwork, LibvirtSnapshot, LibvirtSubnet, LibvirtVolume

DELETED = "DELETED"


def _snapshot_model(row: LibvirtSnapshot) -> Snapshot:
    """A snapshot is a finished copy the moment its row exists."""
    return snapshot_model(row, SnapshotState.AVAILABLE)


IMAGES = OwnedCollection(LibvirtImage, "image", image_model, LibvirtImage.state != DELETED)
# A volume's view needs the host's attachments too (``volumes``), so only its rows are here.
VOLUMES = OwnedRows(LibvirtVolume, "volume")
SNAPSHOTS = OwnedCollection(LibvirtSnapshot, "snapshot", _snapshot_model, parent=LibvirtSnapshot.volume_id)
NETWORKS = OwnedCollection(LibvirtNetwork, "network", network_model)
SUBNETS = OwnedCollection(LibvirtSubnet, "subnet", subnet_model, parent=LibvirtSubnet.network_id)
