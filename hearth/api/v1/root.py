"""GET /v1: the entry point — which collections this server serves, their operations and features.

Only what the driver implements is listed (capabilities are derived from its code), plus the
collections the Service itself provides; anything else answers 501 and is not advertised here.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel, ConfigDict

from hearth.drivers import Collection, Feature
from hearth.service import Service

from ..deps import CallDep
from .common import PREFIX, json_body, v1_router

router = v1_router("entry point")

# Which optional request fields belong to which collection.
_FEATURES: dict[Collection, tuple[Feature, ...]] = {
    Collection.instances: (
        Feature.user_data,
        Feature.authentication_key,
        Feature.instance_count,
        Feature.realm_filter,
        Feature.hardware_profile_overrides,
        Feature.templates,
        Feature.create_stopped,
        Feature.chosen_id,
    ),
    Collection.volumes: (Feature.volume_name,),
}
# Every feature belongs to a collection, so none can be left out of the entry point.
assert {f for fs in _FEATURES.values() for f in fs} == set(Feature), "a Feature is missing from _FEATURES"

# Sub-collections live under their parent's items.
_HREFS = {
    Collection.interfaces: f"{PREFIX}/instances/{{instance_id}}/interfaces",
    Collection.disks: f"{PREFIX}/instances/{{instance_id}}/disks",
}
_SERVICE_OPERATIONS = {"tasks": ["list", "get"], "templates": ["list", "get", "create", "update", "delete"]}
# Served by this frontend over the Service and the host whatever the driver: media sources,
# listing, cache and uploads; the host's facts and devices; buckets of blobs; the event stream.
_ALWAYS = (
    ("media", f"{PREFIX}/media", ["list", "sources", "cache", "upload"]),
    ("host", f"{PREFIX}/host", ["get", "interfaces", "ovsbridges"]),
    ("buckets", f"{PREFIX}/buckets", ["list", "get", "create", "delete"]),
    ("events", f"{PREFIX}/events", ["stream"]),
)


class CollectionInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    href: str
    operations: list[str]
    features: list[Feature]


class EntryPoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    driver: str
    collections: list[CollectionInfo]


@router.get("", response_model=EntryPoint)
async def entry_point(call: CallDep) -> Response:
    return json_body(_entry_point(call.service))


def _entry_point(svc: Service) -> EntryPoint:
    cached: EntryPoint | None = getattr(svc, "_v1_entry_point", None)
    if cached is None:
        cached = _describe(svc)
        svc._v1_entry_point = cached  # type: ignore[attr-defined]  # fixed for the service's life
    return cached


def _describe(svc: Service) -> EntryPoint:
    caps = svc.capabilities
    listed = [
        CollectionInfo(
            name=c.value,
            href=_HREFS.get(c, f"{PREFIX}/{c.value}"),
            operations=[op.verb for op in caps.operations if op.collection is c],
            features=[f for f in _FEATURES.get(c, ()) if caps.has(f)],
        )
        for c in caps.collections
    ]
    for name in svc.service_collections():
        features = [Feature.templates] if name == "templates" else []
        ops = _SERVICE_OPERATIONS.get(name, ["list", "get"])
        listed.append(CollectionInfo(name=name, href=f"{PREFIX}/{name}", operations=ops, features=features))
    seen = {c.name for c in listed}
    listed += [
        CollectionInfo(name=n, href=h, operations=o, features=[]) for n, h, o in _ALWAYS if n not in seen
    ]
    return EntryPoint(driver=svc.gate.driver_name, collections=listed)
