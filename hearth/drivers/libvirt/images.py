"""Images: base volumes in the pool, kernels for direct boot, or both, described by store rows.

An image row says where its base volume is (``pool``/``volume``) and/or which kernel, initrd and
command line boot it (paths on its host). Instance disks are qcow2 overlays on the base volume;
capturing a stopped instance copies (flattens) its root disk into a new base volume.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import libvirt

from hearth.domain import StorageVolume
from hearth.errors import ValidationError
from hearth.store import new_id

from .. import states
from ..caller import SYSTEM_OWNER, Caller
from ..host_files import import_files
from ..owned_parts import RowImages
from ..resources import (
    Architecture,
    Image,
    ImageCreate,
    ImageImport,
    ImageState,
)
from .connection import Link
from .context import LibvirtContext
from .image_rows import collect_image
from .pool_volumes import clone_volume, delete_volume, volume_xml
from .rows import DELETED, IMAGES
from .tables import LibvirtImage


class Images(RowImages):
    context: LibvirtContext
    rows = IMAGES

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        ctx = self.context
        found = ctx.find(caller, request.instance_id)
        state = ctx.state_of(found)
        states.check_capturable(found.id, state)
        disks = [v for v in found.meta.owned_volumes if "-disk" in v.rsplit("/", 1)[-1]]
        if not disks:
            raise ValidationError(f"instance {found.id} has no disk to capture", instance=found.id)
        src_pool, src_vol = disks[0].split("/", 1)
        with ctx.read() as s:
            source = s.get(LibvirtImage, found.meta.image_id) if found.meta.image_id else None
        image_id = new_id()
        pool = ctx.pool_name(found.link)
        volume = f"{ctx.config.prefix}img-{image_id}.qcow2"
        clone_volume(found.link, src_pool, src_vol, pool, volume)
        row = LibvirtImage(
            id=image_id,
            name=request.name,
            owner_id=caller.user_id,
            realm_id=found.link.host.realm,
            description=request.description,
            state=ImageState.AVAILABLE.value,
            os=source.os if source else None,
            architecture=source.architecture if source else Architecture.x86_64.value,
            source_instance=found.id,
            pool=pool,
            volume=volume,
            kernel=source.kernel if source else None,
            initrd=source.initrd if source else None,
            cmdline=source.cmdline if source else None,
        )
        return IMAGES.create(ctx, row, lambda: delete_volume(found.link, pool, volume))

    def delete_image(self, caller: Caller, image_id: str) -> None:
        """Gone from the catalogue at once; its base volume stays while instances still run on it
        (their disks are overlays on it) and is removed with the last of them."""
        with self.context.write() as s:
            IMAGES.row(s, caller, image_id, modify=True).state = DELETED
        collect_image(self.context, image_id)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        """An admin adds an image from files on the server's host (``POST /v1/images``, what
        ``hearth image add`` sends), on the default host and shared with every user: a disk is
        copied into the pool as the base volume; a kernel and initrd are booted from where they
        are (QEMU must be able to read them), as ``register`` does for an operator's script."""
        disk, kernel, initrd = import_files(caller, request)
        return self.register(
            name=request.name,
            os=request.os,
            kernel=kernel,
            initrd=initrd,
            cmdline=request.cmdline,
            disk=disk,
            description=request.description,
        )

    def register(
        self,
        *,
        name: str,
        os: str | None,
        kernel: Path | None = None,
        initrd: Path | None = None,
        cmdline: str | None = None,
        disk: Path | None = None,
        architecture: Architecture = Architecture.x86_64,
        realm_id: str | None = None,
        owner_id: str = SYSTEM_OWNER,
        image_id: str | None = None,
        description: str = "",
    ) -> Image:
        """What ``LibvirtDriver.register_image`` does (an operator's job, not a tenant operation)."""
        if kernel is None and disk is None:
            raise ValidationError("an image needs a kernel to boot, a base disk, or both")
        if initrd is not None and kernel is None:
            raise ValidationError("an initrd needs a kernel")
        ctx = self.context
        link = ctx.link(realm_id) if realm_id else ctx.default_link()
        if link.host.is_local and not link.is_test:
            for label, path in (("kernel", kernel), ("initrd", initrd), ("disk", disk)):
                if path is not None and not Path(path).is_file():
                    raise ValidationError(f"{label} {str(path)!r} is not a file", **{label: str(path)})
        image_id = image_id or new_id()
        pool = volume = None
        if disk is not None:
            pool = ctx.pool_name(link)
            volume = f"{ctx.config.prefix}img-{image_id}.qcow2"
            _import_disk(link, pool, volume, Path(disk))
        row = LibvirtImage(
            id=image_id,
            name=name,
            owner_id=owner_id,
            realm_id=link.host.realm,
            description=description,
            state=ImageState.AVAILABLE.value,
            os=os,
            architecture=architecture.value,
            pool=pool,
            volume=volume,
            kernel=str(kernel) if kernel else None,
            initrd=str(initrd) if initrd else None,
            cmdline=cmdline,
        )
        return IMAGES.create(ctx, row)


def _import_disk(link: Link, pool: str, volume: str, disk: Path) -> None:
    """Bring a local disk file into the pool: a file copy on a local dir pool, else an upload."""
    from hearth.designer import inspect as inspect_image

    info = inspect_image(disk)
    size = disk.stat().st_size
    xml = volume_xml(volume, max(size, 1), info.format)

    def create(c: libvirt.virConnect) -> None:
        p = c.storagePoolLookupByName(pool)
        vol = p.createXML(xml, 0)
        if c.getType().lower() == "test":
            return  # the test driver keeps no data
        target = StorageVolume.from_xml(vol.XMLDesc(0)).target_path
        if link.host.is_local and target:
            shutil.copyfile(disk, target)
            p.refresh(0)
            return
        stream = c.newStream(0)
        vol.upload(stream, 0, size, 0)
        with disk.open("rb") as f:
            stream.sendAll(lambda _s, n, fh: fh.read(n), f)
        stream.finish()

    try:
        link.run(f"importing {disk.name} into pool {pool}", create)
    except Exception:
        delete_volume(link, pool, volume)
        raise
