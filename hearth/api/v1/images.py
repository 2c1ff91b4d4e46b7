"""/v1/images: list, get, capture a stopped instance's disk, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Response

from hearth.drivers import Operation
from hearth.drivers.resources import Image, ImageCreate

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, Id, created_doc, json_body, v1_router

router = v1_router("images")
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
async def create_image(svc: ServiceDep, who: CallerDep, body: Annotated[ImageCreate, Body()]) -> Response:
    """Capture the disk of a STOPPED instance as a new image."""
    image = await call(svc.driver.create_image, who, body)
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
