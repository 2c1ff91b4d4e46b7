"""Instance types: their real vCPU and memory figures from DescribeInstanceTypes, as hardware
profiles and for the instance views that show them.

Cached per endpoint and region for an hour, because a whole region's list takes seconds to
fetch and changes rarely; one type is read on its own until the whole list is needed. The cache
is shared by every driver (and credentials view) of one endpoint and region.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from hearth.errors import NotFound, ValidationError

from ..caller import EPOCH, SYSTEM_OWNER
from ..profiles import fixed
from ..resources import Architecture, HardwareProfile, HwpProperty, HwpPropertyName
from .context import Ec2Context

# EC2's architecture names onto Hearth's (instance types' and AMIs').
ARCHITECTURES = {"x86_64": Architecture.x86_64, "arm64": Architecture.aarch64, "i386": Architecture.i686}
TYPE_CACHE_SECONDS = 3600.0
_CacheKey = tuple[str | None, str, tuple[str, ...] | None]
_types_lock = threading.Lock()
_types: dict[_CacheKey, tuple[float, dict[str, dict[str, Any]]]] = {}


def profile_model(info: dict[str, Any]) -> HardwareProfile:
    name = str(info["InstanceType"])
    props: dict[HwpPropertyName, HwpProperty] = {
        HwpPropertyName.cpu: fixed(HwpPropertyName.cpu, int(info["VCpuInfo"]["DefaultVCpus"])),
        HwpPropertyName.memory: fixed(HwpPropertyName.memory, int(info["MemoryInfo"]["SizeInMiB"])),
    }
    storage = (info.get("InstanceStorageInfo") or {}).get("TotalSizeInGB")
    if storage:
        props[HwpPropertyName.storage] = fixed(HwpPropertyName.storage, int(storage))
    arches = [
        ARCHITECTURES[a]
        for a in info.get("ProcessorInfo", {}).get("SupportedArchitectures", [])
        if a in ARCHITECTURES
    ]
    if arches:
        arch = Architecture.x86_64 if Architecture.x86_64 in arches else arches[0]
        props[HwpPropertyName.architecture] = fixed(HwpPropertyName.architecture, arch.value)
    return HardwareProfile(id=name, name=name, owner_id=SYSTEM_OWNER, created=EPOCH, properties=props)


def all_types(context: Ec2Context) -> dict[str, dict[str, Any]]:
    """Every offered type's facts by name (the configured ``instance_types``, else the region's)."""
    config = context.config
    key = (config.endpoint_url, config.region, config.instance_types)
    with _types_lock:
        cached = _types.get(key)
        if cached is not None and time.monotonic() - cached[0] < TYPE_CACHE_SECONDS:
            return cached[1]
    params: dict[str, Any] = {}
    if config.instance_types is not None:
        params["InstanceTypes"] = list(config.instance_types)
    found = {
        t["InstanceType"]: t
        for t in context.cloud.pages(
            "listing instance types", "describe_instance_types", "InstanceTypes", **params
        )
    }
    with _types_lock:
        _types[key] = (time.monotonic(), found)
    return found


def type_info(context: Ec2Context, name: str) -> dict[str, Any]:
    """Like ``known_type``, NotFound for a type not offered."""
    info = known_type(context, name)
    if info is None:
        raise NotFound(f"hardware profile {name} not found", kind="hardware profile", id=name)
    return info


def known_type(context: Ec2Context, name: str) -> dict[str, Any] | None:
    """One instance type's facts, without fetching the whole region's list for it: from the
    list when it is cached, else by one DescribeInstanceTypes (remembered with the list's)."""
    config = context.config
    allowed = config.instance_types
    if allowed is not None and name not in allowed:
        return None
    key = (config.endpoint_url, config.region, allowed)
    single = (config.endpoint_url, config.region, (name,))
    with _types_lock:
        for k in (key, single):
            cached = _types.get(k)
            if cached is not None and time.monotonic() - cached[0] < TYPE_CACHE_SECONDS:
                return cached[1].get(name)
    try:
        found: list[dict[str, Any]] = context.cloud.call(
            f"reading instance type {name}", "describe_instance_types", InstanceTypes=[name]
        ).get("InstanceTypes", [])
    except ValidationError as exc:
        if exc.details.get("ec2_code") == "InvalidInstanceType":
            return None
        raise
    with _types_lock:
        _types[single] = (time.monotonic(), {t["InstanceType"]: t for t in found})
    return found[0] if found else None
