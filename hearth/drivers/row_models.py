"""Store rows into contract models, for the drivers whose tables share column names.

The mock, qemu and libvirt drivers each keep their own tables, but an image, volume, snapshot,
network or subnet row has the same columns in all of them; the Protocols below name exactly the
columns read, so any driver's row type fits without a common base class.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .resources import (
    Architecture,
    Image,
    ImageState,
    Network,
    Snapshot,
    SnapshotState,
    Subnet,
    Volume,
    VolumeState,
)


class ResourceRow(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def owner_id(self) -> str: ...
    @property
    def created(self) -> datetime: ...


class ImageRow(ResourceRow, Protocol):
    @property
    def description(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def os(self) -> str | None: ...
    @property
    def architecture(self) -> str: ...
    @property
    def source_instance(self) -> str | None: ...


class VolumeRow(ResourceRow, Protocol):
    @property
    def capacity_gb(self) -> int: ...
    @property
    def realm_id(self) -> str: ...


class AttachedVolumeRow(VolumeRow, Protocol):
    """A volume row that records its own attachment (where the store, not the host, is the truth)."""

    @property
    def instance_id(self) -> str | None: ...
    @property
    def device(self) -> str | None: ...


class SnapshotRow(ResourceRow, Protocol):
    @property
    def volume_id(self) -> str: ...


class StatefulSnapshotRow(SnapshotRow, Protocol):
    @property
    def state(self) -> str: ...


class NetworkRow(ResourceRow, Protocol):
    @property
    def address_blocks(self) -> list[str]: ...


class SubnetRow(ResourceRow, Protocol):
    @property
    def network_id(self) -> str: ...
    @property
    def address_block(self) -> str: ...


def network_model(row: NetworkRow) -> Network:
    return Network(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        address_blocks=list(row.address_blocks),
    )


def subnet_model(row: SubnetRow) -> Subnet:
    return Subnet(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        network=row.network_id,
        address_block=row.address_block,
    )


def image_model(row: ImageRow) -> Image:
    return Image(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        description=row.description,
        state=ImageState(row.state),
        os=row.os,
        architecture=Architecture(row.architecture),
        source_instance=row.source_instance,
    )


def volume_model(row: VolumeRow, instance: str | None, device: str | None) -> Volume:
    """The volume as attached to ``instance`` at ``device`` (None: available)."""
    return Volume(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        capacity_gb=row.capacity_gb,
        state=VolumeState.IN_USE if instance else VolumeState.AVAILABLE,
        realm=row.realm_id,
        instance=instance,
        device=device,
    )


def attached_volume_model(row: AttachedVolumeRow) -> Volume:
    return volume_model(row, row.instance_id, row.device)


def snapshot_model(row: SnapshotRow, state: SnapshotState) -> Snapshot:
    return Snapshot(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        volume=row.volume_id,
        state=state,
    )


def stored_snapshot_model(row: StatefulSnapshotRow) -> Snapshot:
    return snapshot_model(row, SnapshotState(row.state))
