"""Mock images: rows only. Capturing an instance's disk or importing host files records an
image; there are no image files (the mock guest has no disk to copy)."""

from __future__ import annotations

from hearth.errors import InvalidState
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState

from ..caller import SYSTEM_OWNER, Caller, ensure_modifiable
from ..host_files import import_files
from ..owned import visible_rows
from ..parts import ImagesPart
from ..resources import Architecture, Image, ImageCreate, ImageImport, ImageState
from ..row_models import image_model
from .context import MockContext
from .lookups import image_row
from .tables import MockImage


class Images(ImagesPart):
    context: MockContext

    def list_images(self, caller: Caller) -> list[Image]:
        q = visible_rows(MockImage, caller)
        with self.context.read() as s:
            return [image_model(r) for r in s.scalars(q)]

    def get_image(self, caller: Caller, image_id: str) -> Image:
        with self.context.read() as s:
            return image_model(image_row(s, caller, image_id))

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        with self.context.write() as s:
            inst, state = self.context.instance_state(s, caller, request.instance_id, lock=True)
            if state is not InstanceState.STOPPED:
                raise InvalidState(
                    f"instance {inst.id} must be STOPPED to capture its disk; it is {state.value}",
                    instance=inst.id,
                    state=state.value,
                )
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
            s.add(row)
            s.flush()
            return image_model(row)

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
            s.add(row)
            s.flush()
            return image_model(row)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        with self.context.write() as s:
            row = s.get(MockImage, image_id)
            ensure_modifiable(caller, "image", image_id, row.owner_id if row else None)
            s.delete(row)
