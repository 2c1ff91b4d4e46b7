"""/v1/host: the machine the server runs on — CPUs, memory, accelerator, network devices, OVS.

What a template author needs to choose macvtap devices and bridges that exist; any
authenticated user may read it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response
from pydantic import BaseModel, ConfigDict

from hearth.errors import NotSupported
from hearth.host import HostFacts, HostInfo, HostInterface, OvsBridge
from hearth.service.names import named
from hearth.service.templates import TemplateService

from ..deps import CallDep
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import NameFilter, json_body, v1_router

router = v1_router("host")


class HostInterfacePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interfaces: list[HostInterface]
    next: str | None = None


class OvsBridgePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ovsbridges: list[OvsBridge]
    next: str | None = None


INTERFACES = Pages("interfaces", HostInterface, HostInterfacePage)
OVS_BRIDGES = Pages("ovsbridges", OvsBridge, OvsBridgePage)


async def _host(call: CallDep) -> HostFacts:
    found = call.service.templates
    if not isinstance(found, TemplateService):
        raise NotSupported("host facts are not available on this server")
    return found.host


HostDep = Annotated[HostFacts, Depends(_host)]


def _by_name(item: HostInterface | OvsBridge) -> tuple[str, ...]:
    return (item.name,)


@router.get("/host", response_model=HostInfo)
async def get_host(call: CallDep, host: HostDep) -> Response:
    """Architecture, CPUs, memory, and the accelerator new guests get (kvm or tcg)."""
    return json_body(await call.thread(host.info))


@router.get("/host/interfaces", response_model=INTERFACES.model)
async def list_host_interfaces(
    call: CallDep, host: HostDep, name: NameFilter = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Response:
    """Network devices with their kind (physical, bond, veth, bridge, …) and whether they are in use."""
    found = named(await call.thread(host.interfaces), name)
    return INTERFACES.response(found, limit, cursor, key=_by_name)


@router.get("/host/ovsbridges", response_model=OVS_BRIDGES.model)
async def list_ovs_bridges(
    call: CallDep, host: HostDep, name: NameFilter = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Response:
    """Open vSwitch bridges (502 when OVS is not running, 501 when it is not installed)."""
    found = named(await call.thread(host.ovs_bridges), name)
    return OVS_BRIDGES.response(found, limit, cursor, key=_by_name)
