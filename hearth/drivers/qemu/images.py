"""Images: base disks (and boot files) in ``images/<id>/``, registered by an admin or captured.

An image is a qcow2 base disk, a kernel + initrd for direct kernel boot, or both. Instances run
on qcow2 overlays of the base disk and boot its kernel in place, so an image's files must outlive
every instance made from it: deleting an image hides it at once and removes its files when the
last such instance is destroyed. Files are copied in on registration, never referenced where they
lay, so a later change outside the driver cannot alter an image.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from hearth.designer import inspect
from hearth.errors import Conflict, InvalidState, ValidationError
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState

from ..caller import SYSTEM_OWNER, Caller, ensure_modifiable, ensure_visible
from ..host_files import import_files
from ..owned import visible_rows
from ..parts import ImagesPart
from ..resources import NAME_PATTERN, Architecture, Image, ImageCreate, ImageImport, ImageState
from ..row_models import image_model
from . import design, qemuimg
from .context import QemuContext
from .files import file_errors, remove_tree
from .imagefiles import collect_unused, visible_image
from .tables import QemuImage, QemuInstance

DISK_FILE = "disk.qcow2"
KERNEL_FILE = "kernel"
INITRD_FILE = "initrd"


class Images(ImagesPart):
    context: QemuContext

    def list_images(self, caller: Caller) -> list[Image]:
        q = visible_rows(QemuImage, caller).where(QemuImage.deleted.is_(False))
        with self.context.read() as s:
            return [image_model(r) for r in s.scalars(q)]

    def get_image(self, caller: Caller, image_id: str) -> Image:
        with self.context.read() as s:
            return image_model(visible_image(s, caller, image_id))

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        """Copy the root disk (flattened) and boot files of a STOPPED instance into a new image."""
        with self.context.instance_lock(request.instance_id):
            with self.context.read() as s:
                inst = s.get(QemuInstance, request.instance_id)
                ensure_visible(caller, "instance", request.instance_id, inst.owner_id if inst else None)
                assert inst is not None
                source = s.get(QemuImage, inst.image_id) if inst.image_id else None
            state = self.context.observe_row(inst).state
            if state is not InstanceState.STOPPED:
                raise InvalidState(
                    f"instance {inst.id} must be STOPPED to capture its disk; it is {state.value}",
                    instance=inst.id,
                    state=state.value,
                )
            domain = design.load(self.context.layout.instance_dir(inst.id))
            root = design.root_disk(domain)
            if root is None or not root.source_file:
                raise ValidationError(f"instance {inst.id} has no disk to capture", instance=inst.id)
            os_id = source.os if source is not None else (inst.spec or {}).get("os")
            image_id = new_id()
            target = self.context.layout.image_dir(image_id)
            try:
                with file_errors("creating the image directory"):
                    target.mkdir(mode=0o700)
                qemuimg.convert(
                    Path(root.source_file), target / DISK_FILE, src_format=root.driver_type or "raw"
                )
                kernel = _place(domain.os.kernel, target / KERNEL_FILE, self.context.layout.images)
                initrd = _place(domain.os.initrd, target / INITRD_FILE, self.context.layout.images)
                row = QemuImage(
                    id=image_id,
                    name=request.name,
                    owner_id=caller.user_id,
                    description=request.description,
                    state=ImageState.AVAILABLE.value,
                    os=os_id,
                    architecture=Architecture.x86_64.value,
                    source_instance=inst.id,
                    disk=DISK_FILE,
                    disk_format="qcow2",
                    kernel=kernel,
                    initrd=initrd,
                    cmdline=domain.os.cmdline if kernel else None,
                )
                with self.context.write() as s:
                    s.add(row)
                    s.flush()
                    return image_model(row)
            except BaseException:
                remove_tree(target)
                raise

    def delete_image(self, caller: Caller, image_id: str) -> None:
        with self.context.write() as s:
            row = s.get(QemuImage, image_id)
            owner = row.owner_id if row is not None and not row.deleted else None
            ensure_modifiable(caller, "image", image_id, owner)
            assert row is not None
            row.deleted = True
        collect_unused(self.context)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        """An admin adds an image from host files (copied in, shared with every user)."""
        disk, kernel, initrd = import_files(caller, request)
        return self.register_image(
            request.name,
            os=request.os,
            disk=disk,
            kernel=kernel,
            initrd=initrd,
            cmdline=request.cmdline,
            description=request.description,
        )

    # --- behind the driver's register_image hook (not a contract operation) ---------------------

    def register_image(
        self,
        name: str,
        *,
        os: str,
        disk: Path | None = None,
        kernel: Path | None = None,
        initrd: Path | None = None,
        cmdline: str | None = None,
        description: str = "",
        owner_id: str = SYSTEM_OWNER,
        image_id: str | None = None,
    ) -> Image:
        """Add an image from local files (an admin's act, not a tenant operation).

        ``disk`` (any format qemu-img reads, recognised by its header) is converted to qcow2;
        ``kernel``/``initrd`` are copied. Shared with everyone when owned by SYSTEM_OWNER.
        """
        if not re.match(NAME_PATTERN, name):
            raise ValidationError(f"image name {name!r} must be 1-63 letters, digits, '.', '_' or '-'")
        if disk is None and kernel is None:
            raise ValidationError("an image needs a disk, a kernel, or both")
        if (initrd is not None or cmdline is not None) and kernel is None:
            raise ValidationError("initrd and cmdline need a kernel")
        if cmdline is not None and any(c in cmdline for c in "\r\n\0"):
            raise ValidationError("cmdline must be a single line")
        for label, path in (("kernel", kernel), ("initrd", initrd)):
            if path is not None and not Path(path).is_file():
                raise ValidationError(f"{label} {str(path)!r} is not a file", **{label: str(path)})
        design.check_os(os)
        image_id = image_id or new_id()
        images = self.context.layout.images
        target = self.context.layout.image_dir(image_id)
        with self.context.read() as s:
            if s.get(QemuImage, image_id) is not None:
                raise Conflict(f"image {image_id} already exists", id=image_id)
        if target.exists():
            raise Conflict(f"image {image_id} already has files in {target}", id=image_id)
        try:
            with file_errors("creating the image directory"):
                target.mkdir(mode=0o700)
            disk_name = None
            if disk is not None:
                found = inspect(disk)
                if found.is_iso:
                    raise ValidationError(f"{str(disk)!r} is an ISO image, not a disk")
                qemuimg.convert(Path(found.path), target / DISK_FILE, src_format=found.format)
                disk_name = DISK_FILE
            row = QemuImage(
                id=image_id,
                name=name,
                owner_id=owner_id,
                description=description,
                state=ImageState.AVAILABLE.value,
                os=os,
                architecture=Architecture.x86_64.value,
                disk=disk_name,
                disk_format="qcow2" if disk_name else None,
                kernel=_place(str(kernel) if kernel else None, target / KERNEL_FILE, images),
                initrd=_place(str(initrd) if initrd else None, target / INITRD_FILE, images),
                cmdline=cmdline,
            )
            with self.context.write() as s:
                s.add(row)
                s.flush()
                return image_model(row)
        except BaseException:
            remove_tree(target)
            raise


def _place(source: str | None, dest: Path, ours: Path) -> str | None:
    """Put a boot file into an image directory; its name there, or None if there is none.

    Files already under ``ours`` (another image's, immutable) are hard-linked; anything else is
    copied, so the image never shares an inode with a file someone else may change.
    """
    if source is None:
        return None
    src = Path(source)
    with file_errors(f"copying {src.name} into the image"):
        if Path(os.path.realpath(src)).is_relative_to(os.path.realpath(ours)):
            try:
                os.link(src, dest)
                return dest.name
            except OSError:
                pass
        shutil.copyfile(src, dest)
        dest.chmod(0o600)
    return dest.name
