"""Images: list, get, capture a stopped instance's disk, add from host files or an upload, delete."""

from __future__ import annotations

import builtins
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hearth.drivers import Caller, Driver, Operation
from hearth.drivers.resources import Image, ImageCreate, ImageFilter, ImageImport
from hearth.errors import Forbidden

from ..names import named
from ..tags import TagKind
from .base import TaggedCollection


class Images(TaggedCollection):
    def list(
        self, caller: Caller, filters: ImageFilter | None = None, *, name: str | None = None
    ) -> builtins.list[Image]:
        """The caller's images (its own and the shared ones), narrowed by ``filters`` and ``name``."""
        self._gate.require(Operation.images_list)
        found = named(self._driver.list_images(caller), name)
        if filters is None:
            return found
        return [i for i in found if filters.keeps(i, caller.user_id)]

    def get(self, caller: Caller, image_id: str) -> Image:
        self._gate.require(Operation.images_get)
        return self._driver.get_image(caller, image_id)

    def create(self, caller: Caller, request: ImageCreate) -> Image:
        """Capture the disk of a STOPPED instance."""
        self._gate.require(Operation.images_create)
        return self._driver.create_image(caller, request)

    def import_(self, caller: Caller, request: ImageImport) -> Image:
        """Admins: add an image from files on the server's host."""
        self._gate.require(Operation.images_import)
        return self._driver.import_image(caller, request)

    def delete(self, caller: Caller, image_id: str) -> None:
        self._gate.require(Operation.images_delete)
        self._driver.delete_image(caller, image_id)
        self._tags.drop(TagKind.image, image_id)

    def upload(self, caller: Caller) -> ImageUpload:
        """A staging file for a disk image the caller sends, refused before a byte is staged
        unless the driver imports images and the caller is an admin."""
        self._gate.require(Operation.images_import)
        if not caller.is_admin:
            raise Forbidden("only an admin can add images")
        return ImageUpload(self, self._driver, caller)


class ImageUpload:
    """One upload's staging file, beside the driver's pool so the import copies within one file
    system; ``finish`` imports it, ``close`` (also on leaving the ``with``) removes it."""

    def __init__(self, images: Images, driver: Driver, caller: Caller) -> None:
        self._images = images
        self._caller = caller
        fd, name = tempfile.mkstemp(prefix="upload-", dir=driver.staging_dir())
        self.path = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, blocks: Iterable[bytes]) -> None:
        self._file.writelines(blocks)

    def finish(self, *, name: str, os_id: str, description: str = "") -> Image:
        """Import what was written as image ``name`` of OS ``os_id``."""
        self._file.close()
        request = ImageImport(name=name, os=os_id, disk=str(self.path), description=description)
        return self._images.import_(self._caller, request)

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> ImageUpload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
