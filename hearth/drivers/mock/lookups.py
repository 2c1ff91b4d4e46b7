"""The catalogue rows several mock parts look up: images, realms, hardware profiles and pools.

Their own parts serve them (``images``, ``catalogue``, ``pools``), and instance and volume
creation check what they are placed on and made of against the same rows, so the lookups and
converters live here, once, for all of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.errors import InvalidState, ValidationError

from ..caller import Caller, ensure_visible
from ..pools import named_pools, usable_pool
from ..resources import (
    HardwareProfile,
    ImageState,
    InstanceSpec,
    PoolState,
    PoolType,
    RealmState,
    StoragePool,
)
from .tables import MockHardwareProfile, MockImage, MockPool, MockRealm


def image_row(s: Session, caller: Caller, image_id: str) -> MockImage:
    row = s.get(MockImage, image_id)
    ensure_visible(caller, "image", image_id, row.owner_id if row else None)
    assert row is not None
    return row


def check_image_usable(image: MockImage) -> None:
    if image.state != ImageState.AVAILABLE.value:
        raise ValidationError(f"image {image.id} is {image.state}, not AVAILABLE", image=image.id)


def realm_row(s: Session, caller: Caller, realm_id: str) -> MockRealm:
    row = s.get(MockRealm, realm_id)
    ensure_visible(caller, "realm", realm_id, row.owner_id if row else None)
    assert row is not None
    return row


def usable_realm(s: Session, caller: Caller, realm_id: str | None) -> MockRealm:
    """The realm a new instance or volume goes to: the one asked for, else the first available."""
    row = _default_realm(s) if realm_id is None else realm_row(s, caller, realm_id)
    if row.state != RealmState.AVAILABLE.value:
        raise InvalidState(f"realm {row.id} is {row.state}; choose an AVAILABLE realm", realm=row.id)
    return row


def _default_realm(s: Session) -> MockRealm:
    q = select(MockRealm).where(MockRealm.state == RealmState.AVAILABLE.value).order_by(MockRealm.id)
    row = s.scalars(q).first()
    if row is None:
        raise InvalidState("no realm is available to place the instance in")
    return row


def hwp_row(s: Session, caller: Caller, hwp_id: str) -> MockHardwareProfile:
    row = s.get(MockHardwareProfile, hwp_id)
    ensure_visible(caller, "hardware profile", hwp_id, row.owner_id if row else None)
    assert row is not None
    return row


def hwp_model(row: MockHardwareProfile) -> HardwareProfile:
    return HardwareProfile.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "owner_id": row.owner_id,
            "created": row.created,
            "properties": row.properties,
        }
    )


def pool_model(row: MockPool) -> StoragePool:
    active = row.state == PoolState.ACTIVE.value
    return StoragePool(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        type=PoolType(row.type),
        state=PoolState(row.state),
        capacity_bytes=row.capacity_bytes if active else None,
        allocation_bytes=row.allocation_bytes if active else None,
        available_bytes=max(row.capacity_bytes - row.allocation_bytes, 0) if active else None,
        path=row.path,
        realm=row.realm_id,
    )


def all_pools(s: Session) -> list[StoragePool]:
    return [pool_model(r) for r in s.scalars(select(MockPool).order_by(MockPool.id))]


def check_disk_pools(s: Session, spec: InstanceSpec, realm_id: str) -> None:
    """Every pool a template disk names must exist in the instance's realm and be active."""
    named = named_pools(spec)
    if not named:
        return
    here = [p for p in all_pools(s) if p.realm == realm_id]
    for ref in named:
        usable_pool(here, ref, f"in realm {realm_id}")
