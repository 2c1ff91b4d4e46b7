"""Mock images: rows only. Capturing an instance's disk or importing host files records an
image; there are no image files (the mock guest has no disk to copy)."""

from __future__ import annotations

from hearth.store import new_id

from .. import states
from ..caller import SYSTEM_OWNER, Caller
from ..host_files import import_files
from ..owned_parts import RowImages
from ..resources import Architecture, Image, ImageCreate, ImageImport, ImageState
from .context import MockContext
from .rows import IMAGES
from .tables import MockImage


class Images(RowImages):
    context: MockContext
    rows = IMAGES

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, request.instance_id, lock=True)
            states.check_capturable(inst.id, state)
            source = s.get(MockImage, inst.image_id) if inst.image_id else None
            row = MockImage(
                id=new_id(),
                name=request.name,
                owner_id=caller.user_id,
                description=request.description,
                state=ImageState.AVAILABLE.value,
                os=source.os if source else None,
                architecture=source.architecture if source else Architecture.x86_64.value,
                source_instance=inst.id,
            )
            return IMAGES.add(s, row)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        """An admin's image from host files: checked like a real driver's, then only recorded."""
        import_files(caller, request)
        with self.context.write() as s:
            row = MockImage(
                id=new_id(),
                name=request.name,
                owner_id=SYSTEM_OWNER,
                description=request.description,
                state=ImageState.AVAILABLE.value,
                os=request.os,
                architecture=Architecture.x86_64.value,
                source_instance=None,
            )
            return IMAGES.add(s, row)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        IMAGES.delete(self.context, caller, image_id)
