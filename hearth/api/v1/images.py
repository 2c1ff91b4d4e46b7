"""/v1/images: list, get, capture a stopped instance's disk, add from host files or an upload, delete."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, Query, Request, Response

from hearth.drivers import Operation
from hearth.drivers.resources import NAME_PATTERN, OS_ID_PATTERN, Image, ImageCreate, ImageImport
from hearth.errors import Forbidden

from ..deps import CallerDep, ServiceDep, call, requires
from ..gate import STREAMED
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("images")
WRITE_BLOCK = 4 << 20
ImagePage = page_model("images", Image)


@router.get("/images", response_model=ImagePage, dependencies=[Depends(requires(Operation.images_list))])
async def list_images(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("images", await call(svc.driver.list_images, who), limit, cursor)


@router.get(
    "/images/{image_id}", response_model=Image, dependencies=[Depends(requires(Operation.images_get))]
)
async def get_image(svc: ServiceDep, who: CallerDep, image_id: Id) -> Any:
    return await call(svc.driver.get_image, who, image_id)


@router.post(
    "/images",
    response_model=Image,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.images_create))],
)
async def create_image(
    svc: ServiceDep, who: CallerDep, body: Annotated[ImageCreate | ImageImport, Body()]
) -> Response:
    """Capture the disk of a STOPPED instance (``instance_id``), or — admins, drivers with
    ``images.import`` — add an image from files on the server's host (``disk``/``kernel``)."""
    if isinstance(body, ImageImport):
        svc.require(Operation.images_import)
        image = await call(svc.driver.import_image, who, body)
    else:
        image = await call(svc.driver.create_image, who, body)
    return json_body(image, 201, f"{PREFIX}/images/{image.id}")


@router.post(
    "/images/upload",
    response_model=Image,
    status_code=201,
    responses={201: created_doc()},
    dependencies=[Depends(requires(Operation.images_import))],
    openapi_extra={
        **STREAMED,
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
async def upload_image(
    request: Request,
    svc: ServiceDep,
    who: CallerDep,
    name: Annotated[str, Query(pattern=NAME_PATTERN, description="image name")],
    os_id: Annotated[str, Query(alias="os", pattern=OS_ID_PATTERN, description="osinfo short id")],
    description: Annotated[str, Query(max_length=1024)] = "",
) -> Response:
    """Admins: the body (application/octet-stream) is a disk image in any format qemu-img reads;
    it is streamed to the driver's staging area, then copied into its pool like an import."""
    svc.require(Operation.images_import)
    if not who.is_admin:  # before a byte is staged
        raise Forbidden("only an admin can add images")
    staging = svc.driver.staging_dir()
    fd, name_on_disk = tempfile.mkstemp(prefix="upload-", dir=staging)
    staged = Path(name_on_disk)
    try:
        with os.fdopen(fd, "wb") as out:
            held: list[bytes] = []
            async for piece in request.stream():
                held.append(piece)
                if sum(map(len, held)) >= WRITE_BLOCK:  # written in blocks, never held whole
                    await call(out.writelines, held)
                    held = []
            await call(out.writelines, held)
        body = ImageImport(name=name, os=os_id, disk=str(staged), description=description)
        image = await call(svc.driver.import_image, who, body)
    finally:
        staged.unlink(missing_ok=True)
    return json_body(image, 201, f"{PREFIX}/images/{image.id}")


@router.delete(
    "/images/{image_id}",
    status_code=204,
    response_class=Response,
    dependencies=[Depends(requires(Operation.images_delete))],
)
async def delete_image(svc: ServiceDep, who: CallerDep, image_id: Id) -> Response:
    await call(svc.driver.delete_image, who, image_id)
    return Response(status_code=204)
