"""/v1/hardware_profiles: sizes with fixed, range and enum properties; read-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from hearth.drivers import Operation
from hearth.drivers.resources import HardwareProfile

from ..deps import Call, serving
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import Id, NameFilter, json_body, v1_router

router = v1_router("hardware_profiles")
PROFILES = Pages("hardware_profiles", HardwareProfile)


@router.get("/hardware_profiles", response_model=PROFILES.model)
async def list_hardware_profiles(
    call: Annotated[Call, serving(Operation.hardware_profiles_list)],
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return PROFILES.response(
        await call.run(call.service.hardware_profiles.list, call.caller, name=name), limit, cursor
    )


@router.get("/hardware_profiles/{hwp_id}", response_model=HardwareProfile)
async def get_hardware_profile(
    call: Annotated[Call, serving(Operation.hardware_profiles_get)], hwp_id: Id
) -> Response:
    return json_body(await call.run(call.service.hardware_profiles.get, call.caller, hwp_id))
