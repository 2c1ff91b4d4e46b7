"""/v1/images: list, get, capture a stopped instance's disk, add from host files or an upload, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Request, Response

from hearth.drivers import Operation
from hearth.drivers.resources import NAME_PATTERN, OS_ID_PATTERN, Image, ImageCreate, ImageImport

from ..deps import Call, serving
from ..gate import STREAMED
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, created_doc, json_body, v1_router

router = v1_router("images")
WRITE_BLOCK = 4 << 20
IMAGES = Pages("images", Image)


@router.get("/images", response_model=IMAGES.model)
async def list_images(
    call: Annotated[Call, serving(Operation.images_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return IMAGES.response(await call.run(call.service.images.list, call.caller, name=name), limit, cursor)


@router.get("/images/{image_id}", response_model=Image)
async def get_image(call: Annotated[Call, serving(Operation.images_get)], image_id: Id) -> Response:
    return json_body(await call.run(call.service.images.get, call.caller, image_id))


@router.post(
    "/images",
    response_model=Image,
    status_code=201,
    responses={201: created_doc()},
)
async def create_image(
    call: Annotated[Call, serving(Operation.images_create)],
    body: Annotated[ImageCreate | ImageImport, Body()],
) -> Response:
    """Capture the disk of a STOPPED instance (``instance_id``), or — admins, drivers with
    ``images.import`` — add an image from files on the server's host (``disk``/``kernel``)."""
    images = call.service.images
    if isinstance(body, ImageImport):
        image = await call.at(Operation.images_import).run(images.import_, call.caller, body)
    else:
        image = await call.run(images.create, call.caller, body)
    return json_body(image, 201, f"{PREFIX}/images/{image.id}")


@router.post(
    "/images/upload",
    response_model=Image,
    status_code=201,
    responses={201: created_doc()},
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
    call: Annotated[Call, serving(Operation.images_import)],
    name: Annotated[str, Query(pattern=NAME_PATTERN, description="image name")],
    os_id: Annotated[str, Query(alias="os", pattern=OS_ID_PATTERN, description="osinfo short id")],
    description: Annotated[str, Query(max_length=1024)] = "",
) -> Response:
    """Admins: the body (application/octet-stream) is a disk image in any format qemu-img reads;
    it is streamed to the driver's staging area, then copied into its pool like an import."""
    with call.service.images.upload(call.caller) as staged:  # refused before a byte is staged
        held: list[bytes] = []
        async for piece in request.stream():
            held.append(piece)
            if sum(map(len, held)) >= WRITE_BLOCK:  # written in blocks, never held whole
                await call.thread(staged.write, held)
                held = []
        await call.thread(staged.write, held)
        image = await call.thread(staged.finish, name=name, os_id=os_id, description=description)
    return json_body(image, 201, f"{PREFIX}/images/{image.id}")


@router.delete("/images/{image_id}", status_code=204, response_class=Response)
async def delete_image(call: Annotated[Call, serving(Operation.images_delete)], image_id: Id) -> Response:
    await call.run(call.service.images.delete, call.caller, image_id)
    return Response(status_code=204)
