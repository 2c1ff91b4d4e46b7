"""What mock instance and volume creation check against the catalogue: images, realms, pools.

The catalogue's own parts serve it (``images``, ``catalogue``, ``pools``); creating an instance
or a volume checks what it is placed on and made of against the same rows, so the checks and
the pool converters live here, once, for all of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearth.errors import ValidationError

from .. import realms
from ..caller import Caller
from ..pools import named_pools, usable_pool
from ..resources import ImageState, InstanceSpec, PoolState, PoolType, Realm, StoragePool
from .rows import REALMS
from .tables import MockImage, MockPool


def check_image_usable(image: MockImage) -> None:
    if image.state != ImageState.AVAILABLE.value:
        raise ValidationError(f"image {image.id} is {image.state}, not AVAILABLE", image=image.id)


def usable_realm(s: Session, caller: Caller, realm_id: str | None) -> Realm:
    """The realm a new instance or volume goes to (``realms.usable_realm``'s rule)."""
    return realms.usable_realm(
        [REALMS.view(r) for r in REALMS.rows(s, caller)],
        realm_id,
        "no realm is available to place the instance in",
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
