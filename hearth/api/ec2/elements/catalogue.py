"""The catalogue as EC2 shows it: the region, availability zones (realms), instance types
(hardware profiles) and images."""

from __future__ import annotations

from collections.abc import Mapping

from hearth.drivers import SYSTEM_OWNER
from hearth.drivers.resources import (
    Architecture,
    HardwareProfile,
    HwpProperty,
    HwpPropertyName,
    Image,
    ImageState,
    PropertyKind,
    Realm,
    RealmState,
)

from ..ids import IdMap, Kind
from ..render import Value
from ..tags import tag_set

ARCHITECTURES = {Architecture.x86_64: "x86_64", Architecture.aarch64: "arm64", Architecture.i686: "i386"}
ARCH_NAMES: dict[str, str] = {a.value: name for a, name in ARCHITECTURES.items()}
ZONE_STATES = {RealmState.AVAILABLE: "available", RealmState.UNAVAILABLE: "unavailable"}
IMAGE_STATES = {ImageState.AVAILABLE: "available", ImageState.PENDING: "pending"}


def region_item(region: str, endpoint: str) -> dict[str, Value]:
    return {"regionName": region, "regionEndpoint": endpoint, "optInStatus": "opt-in-not-required"}


def zone_item(realm: Realm, region: str) -> dict[str, Value]:
    return {
        "zoneName": realm.id,
        "zoneId": realm.id,
        "zoneState": ZONE_STATES[realm.state],
        "regionName": region,
        "groupName": region,
        "networkBorderGroup": region,
        "zoneType": "availability-zone",
        "optInStatus": "opt-in-not-required",
        "messageSet": [],
    }


def _default(prop: HwpProperty | None) -> int | None:
    if prop is None or isinstance(prop.value, str):
        return None
    return int(prop.value)


def _choices(prop: HwpProperty | None) -> list[int]:
    """The values a property may take (a range stepped through, an enum's values)."""
    if prop is None:
        return []
    if prop.kind is PropertyKind.enum and prop.values:
        return [int(v) for v in prop.values if not isinstance(v, str)]
    if prop.kind is PropertyKind.range and prop.first is not None and prop.last is not None:
        return list(range(prop.first, prop.last + 1, prop.step or 1))
    value = _default(prop)
    return [] if value is None else [value]


def _vcpu_info(vcpus: int, valid: list[int]) -> dict[str, Value]:
    return {"defaultVCpus": vcpus, "defaultCores": vcpus, "defaultThreadsPerCore": 1, "validCores": valid}


def instance_type_item(profile: HardwareProfile) -> dict[str, Value]:
    """An ``InstanceTypeInfo``: the profile's defaults (EC2 types are fixed sizes)."""
    props = profile.properties
    cpus = props.get(HwpPropertyName.cpu)
    memory = props.get(HwpPropertyName.memory)
    arch = props.get(HwpPropertyName.architecture)
    arch_name = ARCH_NAMES.get(str(arch.value), "x86_64") if arch else "x86_64"
    vcpus, mib = _default(cpus), _default(memory)
    return {
        "instanceType": profile.id,
        "currentGeneration": True,
        "freeTierEligible": False,
        "supportedUsageClasses": ["on-demand"],
        "supportedRootDeviceTypes": ["ebs"],
        "supportedVirtualizationTypes": ["hvm"],
        "bareMetal": False,
        "processorInfo": {"supportedArchitectures": [arch_name]},
        "vCpuInfo": None if vcpus is None else _vcpu_info(vcpus, _choices(cpus)),
        "memoryInfo": None if mib is None else {"sizeInMiB": mib},
        "instanceStorageSupported": False,
        "ebsInfo": {"ebsOptimizedSupport": "unsupported", "encryptionSupport": "unsupported"},
    }


def image_item(image: Image, ids: IdMap, tags: Mapping[str, str]) -> dict[str, Value]:
    return {
        "imageId": ids.ec2(Kind.image, image.id),
        "imageLocation": image.name,
        "imageState": IMAGE_STATES[image.state],
        "imageOwnerId": image.owner_id,
        "creationDate": image.created,
        "isPublic": image.owner_id == SYSTEM_OWNER,
        "architecture": ARCHITECTURES[image.architecture],
        "imageType": "machine",
        "name": image.name,
        "description": image.description,
        "rootDeviceType": "ebs",
        "rootDeviceName": "/dev/vda",
        "blockDeviceMapping": [],
        "virtualizationType": "hvm",
        "platformDetails": "Linux/UNIX",
        "sourceInstanceId": ids.ec2(Kind.instance, image.source_instance) if image.source_instance else None,
        "tagSet": tag_set(tags),
    }
