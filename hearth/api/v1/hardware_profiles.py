"""/v1/hardware_profiles: sizes with fixed, range and enum properties; read-only."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from hearth.drivers import Operation
from hearth.drivers.resources import HardwareProfile

from ..deps import CallerDep, ServiceDep, call, requires
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import Id, v1_router

router = v1_router("hardware_profiles")
HardwareProfilePage = page_model("hardware_profiles", HardwareProfile)


@router.get(
    "/hardware_profiles",
    response_model=HardwareProfilePage,
    dependencies=[Depends(requires(Operation.hardware_profiles_list))],
)
async def list_hardware_profiles(
    svc: ServiceDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("hardware_profiles", await call(svc.driver.list_hardware_profiles, who), limit, cursor)


@router.get(
    "/hardware_profiles/{hwp_id}",
    response_model=HardwareProfile,
    dependencies=[Depends(requires(Operation.hardware_profiles_get))],
)
async def get_hardware_profile(svc: ServiceDep, who: CallerDep, hwp_id: Id) -> Any:
    return await call(svc.driver.get_hardware_profile, who, hwp_id)
