"""Parts whose list and get are a backend's owned rows alone (``owned.OwnedCollection``).

Where a backend's image, volume or snapshot is shown as its row, listing and reading it are the
same in every backend: the part names its collection (``rows``) and inherits both, and writes
only what is its own (making and deleting the files or host objects behind the row). A backend
whose view needs more than the row (libvirt's volumes ask the host what is attached) writes its
own list and get.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .caller import Caller
from .owned import OwnedCollection
from .parts import ImagesPart, SnapshotsPart, VolumesPart
from .resources import Image, Snapshot, Volume


class RowImages(ImagesPart):
    rows: ClassVar[OwnedCollection[Any, Image]]

    def list_images(self, caller: Caller) -> list[Image]:
        return self.rows.list(self.context, caller)

    def get_image(self, caller: Caller, image_id: str) -> Image:
        return self.rows.get(self.context, caller, image_id)


class RowVolumes(VolumesPart):
    rows: ClassVar[OwnedCollection[Any, Volume]]

    def list_volumes(self, caller: Caller) -> list[Volume]:
        return self.rows.list(self.context, caller)

    def get_volume(self, caller: Caller, volume_id: str) -> Volume:
        return self.rows.get(self.context, caller, volume_id)


class RowSnapshots(SnapshotsPart):
    rows: ClassVar[OwnedCollection[Any, Snapshot]]

    def list_snapshots(self, caller: Caller) -> list[Snapshot]:
        return self.rows.list(self.context, caller)

    def get_snapshot(self, caller: Caller, snapshot_id: str) -> Snapshot:
        return self.rows.get(self.context, caller, snapshot_id)
