"""Realms (availability zones), hardware profiles (instance types) and images (AMIs).

Zones and instance types belong to the cloud and are shared by every user. Instance types carry
their real vCPU and memory figures from DescribeInstanceTypes and are cached per endpoint and
region for an hour, because a whole region's list takes seconds to fetch and changes rarely.
Images are the configured owners' AMIs (the shared catalogue) plus those Hearth users captured.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from hearth.errors import InvalidState, NotFound, ValidationError

from ..caller import SYSTEM_OWNER, Caller, ensure_modifiable, ensure_visible
from ..profiles import fixed
from ..resources import (
    Architecture,
    HardwareProfile,
    HwpProperty,
    HwpPropertyName,
    Image,
    ImageCreate,
    ImageState,
    InstanceState,
    Realm,
    RealmState,
)
from .core import EPOCH, EVERYONE, Ec2Base, Kind, name_tags, tag
from .tables import Ec2Object

ARCHITECTURES = {"x86_64": Architecture.x86_64, "arm64": Architecture.aarch64, "i386": Architecture.i686}
IMAGE_STATES = {"available": ImageState.AVAILABLE, "pending": ImageState.PENDING}
TYPE_CACHE_SECONDS = 3600.0
_types_lock = threading.Lock()
_types: dict[tuple[str | None, str, tuple[str, ...] | None], tuple[float, dict[str, dict[str, Any]]]] = {}


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


def _created(item: dict[str, Any]) -> datetime:
    stamp = item.get("CreationDate")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return EPOCH


class CatalogueOps(Ec2Base):
    # --- realms -------------------------------------------------------------------------------

    def list_realms(self, caller: Caller) -> list[Realm]:
        zones = self.cloud.call("listing availability zones", "describe_availability_zones")
        return [
            Realm(
                id=z["ZoneName"],
                name=z["ZoneName"],
                owner_id=SYSTEM_OWNER,
                created=EPOCH,
                state=RealmState.AVAILABLE if z.get("State") == "available" else RealmState.UNAVAILABLE,
            )
            for z in sorted(zones.get("AvailabilityZones", []), key=lambda z: z["ZoneName"])
        ]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        for realm in self.list_realms(caller):
            if realm.id == realm_id:
                return realm
        raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)

    def _usable_realm(self, caller: Caller, realm_id: str | None) -> Realm:
        realms = self.list_realms(caller)
        if realm_id is None:
            for r in realms:
                if r.state is RealmState.AVAILABLE:
                    return r
            raise InvalidState(f"no availability zone of {self.config.region} is available")
        realm = self.get_realm(caller, realm_id)
        if realm.state is not RealmState.AVAILABLE:
            raise InvalidState(f"realm {realm.id} is {realm.state.value}; choose an AVAILABLE realm")
        return realm

    # --- hardware profiles --------------------------------------------------------------------

    def _instance_types(self) -> dict[str, dict[str, Any]]:
        key = (self.config.endpoint_url, self.config.region, self.config.instance_types)
        with _types_lock:
            cached = _types.get(key)
            if cached is not None and time.monotonic() - cached[0] < TYPE_CACHE_SECONDS:
                return cached[1]
        params: dict[str, Any] = {}
        if self.config.instance_types is not None:
            params["InstanceTypes"] = list(self.config.instance_types)
        found = {
            t["InstanceType"]: t
            for t in self.cloud.pages(
                "listing instance types", "describe_instance_types", "InstanceTypes", **params
            )
        }
        with _types_lock:
            _types[key] = (time.monotonic(), found)
        return found

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return [profile_model(t) for _, t in sorted(self._instance_types().items())]

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return profile_model(self._type_info(hwp_id))

    def _type_info(self, hwp_id: str) -> dict[str, Any]:
        info = self._known_type(hwp_id)
        if info is None:
            raise NotFound(f"hardware profile {hwp_id} not found", kind="hardware profile", id=hwp_id)
        return info

    def _known_type(self, name: str) -> dict[str, Any] | None:
        """One instance type's facts, without fetching the whole region's list for it: from the
        list when it is cached, else by one DescribeInstanceTypes (remembered with the list's)."""
        allowed = self.config.instance_types
        if allowed is not None and name not in allowed:
            return None
        key = (self.config.endpoint_url, self.config.region, allowed)
        single = (self.config.endpoint_url, self.config.region, (name,))
        with _types_lock:
            for k in (key, single):
                cached = _types.get(k)
                if cached is not None and time.monotonic() - cached[0] < TYPE_CACHE_SECONDS:
                    return cached[1].get(name)
        try:
            found = self.cloud.call(
                f"reading instance type {name}", "describe_instance_types", InstanceTypes=[name]
            ).get("InstanceTypes", [])
        except ValidationError as exc:
            if exc.details.get("ec2_code") == "InvalidInstanceType":
                return None
            raise
        with _types_lock:
            _types[single] = (time.monotonic(), {t["InstanceType"]: t for t in found})
        return found[0] if found else None

    # --- images -------------------------------------------------------------------------------

    def list_images(self, caller: Caller) -> list[Image]:
        rows = self._rows_by_id(Kind.image, caller)
        anyones = self._rows_by_id(Kind.image, EVERYONE)  # other users' captures are not catalogue
        views: dict[str, Image] = {}
        for item in self.cloud.pages(
            "listing images", "describe_images", "Images", Owners=list(self.config.image_owners)
        ):
            if item["ImageId"] in anyones and item["ImageId"] not in rows:
                continue
            view = self._image_view(item, rows)
            if view is not None:
                views[view.id] = view
        mine = [i for i in rows if i not in views]
        if mine:
            for item in self.cloud.by_ids("listing images", "describe_images", "Images", "image-id", mine):
                view = self._image_view(item, rows)
                if view is not None:
                    views[view.id] = view
        return sorted(views.values(), key=lambda i: (i.owner_id != SYSTEM_OWNER, i.created, i.id))

    def get_image(self, caller: Caller, image_id: str) -> Image:
        item, row = self._image_item(caller, image_id)
        view = self._image_view(item, {row.id: row} if row else {})
        if view is None:
            raise NotFound(f"image {image_id} not found", kind="image", id=image_id)
        return view

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        """CreateImage of a STOPPED instance (EC2 would reboot a running one; the contract captures
        only stopped guests). The AMI name must be unique in the account, so it gets a suffix."""
        inst = self._owned(Kind.instance, caller, request.instance_id)
        state = self._instance_state(inst.id)
        if state is not InstanceState.STOPPED:
            raise InvalidState(
                f"instance {inst.id} must be STOPPED to capture its disk; it is {state.value}",
                instance=inst.id,
                state=state.value,
            )
        made = self.cloud.call(
            f"capturing instance {inst.id}",
            "create_image",
            InstanceId=inst.id,
            Name=f"{request.name}-{int(time.time() * 1000):x}",
            Description=request.description,
            NoReboot=True,
            TagSpecifications=name_tags("image", request.name),
        )
        image_id = str(made["ImageId"])
        self._record(caller, Kind.image, image_id, request.name, source_instance=inst.id)
        return self.get_image(caller, image_id)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        _, row = self._image_item(caller, image_id, modify=True)
        self.cloud.call(f"deregistering image {image_id}", "deregister_image", ImageId=image_id)
        if row is not None:
            self._forget(image_id)

    def _image_item(
        self, caller: Caller, image_id: str, *, modify: bool = False
    ) -> tuple[dict[str, Any], Ec2Object | None]:
        """The AMI and its ownership row (None: a catalogue image), after the ownership check."""
        with self._read() as s:
            row = self._lookup(s, Kind.image, image_id)
            if row is not None:
                s.expunge(row)
        owners = None if row is not None else list(self.config.image_owners)
        item = self._describe_image(image_id, owners)
        owner = None if item is None else row.owner_id if row is not None else SYSTEM_OWNER
        check = ensure_modifiable if modify else ensure_visible
        check(caller, "image", image_id, owner)
        assert item is not None
        return item, row

    def _describe_image(self, image_id: str, owners: list[str] | None) -> dict[str, Any] | None:
        """The AMI, if it exists (and belongs to one of ``owners``, when given)."""
        if not image_id.startswith("ami-"):
            return None
        # By filter: EC2 answers a filter that matches nothing with an empty list (and some
        # endpoints ignore Owners next to ImageIds).
        params: dict[str, Any] = {"Filters": [{"Name": "image-id", "Values": [image_id]}]}
        if owners is not None:
            params["Owners"] = owners
        try:
            found = self.cloud.call(f"reading image {image_id}", "describe_images", **params)
        except NotFound:
            return None
        images = found.get("Images") or []
        return images[0] if images else None

    def _image_view(self, item: dict[str, Any], rows: dict[str, Ec2Object]) -> Image | None:
        state = IMAGE_STATES.get(str(item.get("State")))
        if state is None:
            return None  # failed, deregistered, …: nothing to boot
        row = rows.get(item["ImageId"])
        return Image(
            id=item["ImageId"],
            name=row.name if row else str(tag(item, "Name") or item.get("Name") or item["ImageId"])[:64],
            owner_id=row.owner_id if row else SYSTEM_OWNER,
            created=row.created if row else _created(item),
            description=str(item.get("Description") or ""),
            state=state,
            os=None,
            architecture=ARCHITECTURES.get(str(item.get("Architecture")), Architecture.x86_64),
            source_instance=row.source_instance if row else None,
        )

    def _check_bootable(self, caller: Caller, image_id: str) -> Image:
        image = self.get_image(caller, image_id)
        if image.state is not ImageState.AVAILABLE:
            raise ValidationError(f"image {image_id} is {image.state.value}, not AVAILABLE", image=image_id)
        return image
