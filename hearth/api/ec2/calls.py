"""The service operations the EC2 actions call, in one place.

The actions call ``calls.instances.list(caller, …)``, ``calls.volumes.attach(…)``: the shape of
the Service's per-collection operations every frontend shares. Until the Service has them, this
module gives the same names over today's Service (its capability gate, its one-action-at-a-time
guard, and the driver facade behind them); when it does, ``ServiceCalls`` is the Service itself.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, TypeVar

from hearth.drivers import Caller, Operation
from hearth.drivers.operations import DEFAULT_STOP_TIMEOUT
from hearth.drivers.resources import (
    Action,
    Address,
    AddressCreate,
    HardwareProfile,
    Image,
    ImageCreate,
    Instance,
    InstanceCreate,
    InstanceFilter,
    Key,
    KeyCreate,
    KeyCreated,
    KeyImport,
    Network,
    NetworkCreate,
    Realm,
    Snapshot,
    SnapshotCreate,
    Subnet,
    SubnetCreate,
    Volume,
    VolumeAttach,
    VolumeCreate,
)
from hearth.service import Progress, Service, Task
from hearth.service.idempotency import Answer

from ..deps import call

T = TypeVar("T")


class _Collection:
    def __init__(self, service: Service) -> None:
        self._svc = service
        self._driver = service.driver

    def _require(self, op: Operation) -> None:
        self._svc.require(op)


class _Instances(_Collection):
    def list(self, caller: Caller, filters: InstanceFilter | None = None) -> builtins.list[Instance]:
        self._require(Operation.instances_list)
        return self._driver.list_instances(caller, filters)

    def get(self, caller: Caller, instance_id: str) -> Instance:
        self._require(Operation.instances_get)
        return self._driver.get_instance(caller, instance_id)

    def create(self, caller: Caller, request: InstanceCreate, count: int = 1) -> Instance | Task:
        return self._svc.create_instances(caller, request, count)

    def start(self, caller: Caller, instance_id: str) -> Instance:
        return self._svc.act(caller, instance_id, Action.start)

    def stop(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        return self._svc.act(caller, instance_id, Action.stop, timeout=timeout, force=force)

    def reboot(self, caller: Caller, instance_id: str) -> Instance:
        return self._svc.act(caller, instance_id, Action.reboot)

    def resume(self, caller: Caller, instance_id: str) -> Instance:
        return self._svc.act(caller, instance_id, Action.resume)

    def destroy(self, caller: Caller, instance_id: str) -> Instance:
        return self._svc.act(caller, instance_id, Action.destroy)


class _Images(_Collection):
    def list(self, caller: Caller) -> builtins.list[Image]:
        self._require(Operation.images_list)
        return self._driver.list_images(caller)

    def get(self, caller: Caller, image_id: str) -> Image:
        self._require(Operation.images_get)
        return self._driver.get_image(caller, image_id)

    def create(self, caller: Caller, request: ImageCreate) -> Image:
        self._require(Operation.images_create)
        return self._driver.create_image(caller, request)

    def delete(self, caller: Caller, image_id: str) -> None:
        self._require(Operation.images_delete)
        self._driver.delete_image(caller, image_id)


class _Realms(_Collection):
    def list(self, caller: Caller) -> builtins.list[Realm]:
        self._require(Operation.realms_list)
        return self._driver.list_realms(caller)


class _HardwareProfiles(_Collection):
    def list(self, caller: Caller) -> builtins.list[HardwareProfile]:
        self._require(Operation.hardware_profiles_list)
        return self._driver.list_hardware_profiles(caller)


class _Keys(_Collection):
    def list(self, caller: Caller) -> builtins.list[Key]:
        self._require(Operation.keys_list)
        return self._driver.list_keys(caller)

    def create(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        self._require(Operation.keys_create)
        return self._driver.create_key(caller, request)

    def import_(self, caller: Caller, request: KeyImport) -> Key:
        self._require(Operation.keys_import)
        return self._driver.import_key(caller, request)

    def delete(self, caller: Caller, key_id: str) -> None:
        self._require(Operation.keys_delete)
        self._driver.delete_key(caller, key_id)


class _Volumes(_Collection):
    def list(self, caller: Caller) -> builtins.list[Volume]:
        self._require(Operation.volumes_list)
        return self._driver.list_volumes(caller)

    def get(self, caller: Caller, volume_id: str) -> Volume:
        self._require(Operation.volumes_get)
        return self._driver.get_volume(caller, volume_id)

    def create(self, caller: Caller, request: VolumeCreate) -> Volume | Task:
        return self._svc.create_volume(caller, request)

    def delete(self, caller: Caller, volume_id: str) -> None:
        self._require(Operation.volumes_delete)
        self._driver.delete_volume(caller, volume_id)

    def attach(self, caller: Caller, volume_id: str, request: VolumeAttach) -> Volume:
        self._require(Operation.volumes_attach)
        return self._driver.attach_volume(caller, volume_id, request)

    def detach(self, caller: Caller, volume_id: str) -> Volume:
        self._require(Operation.volumes_detach)
        return self._driver.detach_volume(caller, volume_id)


class _Snapshots(_Collection):
    def list(self, caller: Caller) -> builtins.list[Snapshot]:
        self._require(Operation.snapshots_list)
        return self._driver.list_snapshots(caller)

    def create(self, caller: Caller, request: SnapshotCreate) -> Snapshot:
        self._require(Operation.snapshots_create)
        return self._driver.create_snapshot(caller, request)

    def delete(self, caller: Caller, snapshot_id: str) -> None:
        self._require(Operation.snapshots_delete)
        self._driver.delete_snapshot(caller, snapshot_id)


class _Networks(_Collection):
    def list(self, caller: Caller) -> builtins.list[Network]:
        self._require(Operation.networks_list)
        return self._driver.list_networks(caller)

    def create(self, caller: Caller, request: NetworkCreate) -> Network:
        self._require(Operation.networks_create)
        return self._driver.create_network(caller, request)

    def delete(self, caller: Caller, network_id: str) -> None:
        self._require(Operation.networks_delete)
        self._driver.delete_network(caller, network_id)


class _Subnets(_Collection):
    def list(self, caller: Caller, network_id: str | None = None) -> builtins.list[Subnet]:
        self._require(Operation.subnets_list)
        return self._driver.list_subnets(caller, network_id)

    def create(self, caller: Caller, request: SubnetCreate) -> Subnet:
        self._require(Operation.subnets_create)
        return self._driver.create_subnet(caller, request)

    def delete(self, caller: Caller, subnet_id: str) -> None:
        self._require(Operation.subnets_delete)
        self._driver.delete_subnet(caller, subnet_id)


class _Addresses(_Collection):
    def list(self, caller: Caller) -> builtins.list[Address]:
        self._require(Operation.addresses_list)
        return self._driver.list_addresses(caller)

    def create(self, caller: Caller, request: AddressCreate) -> Address:
        self._require(Operation.addresses_create)
        return self._driver.create_address(caller, request)

    def delete(self, caller: Caller, address_id: str) -> None:
        self._require(Operation.addresses_delete)
        self._driver.delete_address(caller, address_id)

    def associate(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        self._require(Operation.addresses_associate)
        return self._driver.associate_address(caller, address_id, instance_id)

    def disassociate(self, caller: Caller, address_id: str) -> Address:
        self._require(Operation.addresses_disassociate)
        return self._driver.disassociate_address(caller, address_id)


class ServiceCalls:
    """The Service as the EC2 actions see it: one attribute per collection."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.instances = _Instances(service)
        self.images = _Images(service)
        self.realms = _Realms(service)
        self.hardware_profiles = _HardwareProfiles(service)
        self.keys = _Keys(service)
        self.volumes = _Volumes(service)
        self.snapshots = _Snapshots(service)
        self.networks = _Networks(service)
        self.subnets = _Subnets(service)
        self.addresses = _Addresses(service)

    def supports(self, op: Operation) -> bool:
        return self.service.capabilities.supports(op)

    def wait_task(self, caller: Caller, task: Task, timeout: float) -> Task:
        return self.service.tasks.wait(caller, task.id, timeout)

    def submit(self, caller: Caller, kind: str, name: str, work: Callable[[Progress], None]) -> Task:
        """Work that outlives the request (TerminateInstances' stop and destroy)."""
        return self.service.tasks.submit(caller, kind, name, work)

    def once(self, caller: Caller, scope: str, key: str, fp: str, produce: Callable[[], Answer]) -> Answer:
        """``produce`` once per ClientToken (the service's idempotency store)."""
        return self.service.idempotency.run(caller, scope, key, fp, produce)


async def run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking service call, off the event loop."""
    return await call(func, *args, **kwargs)
