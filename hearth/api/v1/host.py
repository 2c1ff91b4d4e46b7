"""/v1/host: the machine the server runs on — CPUs, memory, accelerator, network devices, OVS.

What a template author needs to choose macvtap devices and bridges that exist; any
authenticated user may read it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from hearth.errors import NotSupported
from hearth.host import HostFacts, HostInfo, HostInterface, OvsBridge
from hearth.service.templates import TemplateService

from ..deps import call
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page
from .common import v1_router

router = v1_router("host")


class HostInterfacePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interfaces: list[HostInterface]
    next: str | None = None


class OvsBridgePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ovsbridges: list[OvsBridge]
    next: str | None = None


async def _host(request: Request) -> HostFacts:
    found = getattr(request.app.state.service, "templates", None)
    if not isinstance(found, TemplateService):
        raise NotSupported("host facts are not available on this server")
    return found.host


HostDep = Annotated[HostFacts, Depends(_host)]


def _by_name(item: HostInterface | OvsBridge) -> tuple[str, ...]:
    return (item.name,)


@router.get("/host", response_model=HostInfo)
async def get_host(host: HostDep) -> Any:
    """Architecture, CPUs, memory, and the accelerator new guests get (kvm or tcg)."""
    return await call(host.info)


@router.get("/host/interfaces", response_model=HostInterfacePage)
async def list_host_interfaces(host: HostDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """Network devices with their kind (physical, bond, veth, bridge, …) and whether they are in use."""
    return page("interfaces", await call(host.interfaces), limit, cursor, key=_by_name)


@router.get("/host/ovsbridges", response_model=OvsBridgePage)
async def list_ovs_bridges(host: HostDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Any:
    """Open vSwitch bridges (502 when OVS is not running, 501 when it is not installed)."""
    return page("ovsbridges", await call(host.ovs_bridges), limit, cursor, key=_by_name)
