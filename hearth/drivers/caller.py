"""Who is asking, and the one ownership rule every driver applies.

Ownership lives in the driver layer (not the API) so every frontend gets it for free. Another
tenant's resource is reported as missing, so ids cannot be probed for existence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hearth.errors import Forbidden, NotFound

# owner_id of the shared catalogue (seeded images, realms, hardware profiles): visible to all.
SYSTEM_OWNER = "system"
# ``created`` of what no tenant made (realms, instance types, host networks, fixed profiles): its
# real age is unknown and must not change from one read to the next.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Caller:
    user_id: str
    is_admin: bool = False

    def __post_init__(self) -> None:
        if not self.user_id or self.user_id == SYSTEM_OWNER:
            raise ValueError(f"invalid caller user id {self.user_id!r}")


def can_see(caller: Caller, owner_id: str) -> bool:
    return caller.is_admin or owner_id in (caller.user_id, SYSTEM_OWNER)


def ensure_visible(caller: Caller, kind: str, resource_id: str, owner_id: str | None) -> None:
    """Raise NotFound if the resource does not exist (owner_id None) or is not the caller's."""
    if owner_id is None or not can_see(caller, owner_id):
        raise NotFound(f"{kind} {resource_id} not found", kind=kind, id=resource_id)


def ensure_modifiable(caller: Caller, kind: str, resource_id: str, owner_id: str | None) -> None:
    """Like ensure_visible, and shared catalogue entries may only be changed by an admin."""
    ensure_visible(caller, kind, resource_id, owner_id)
    if owner_id == SYSTEM_OWNER and not caller.is_admin:
        raise Forbidden(
            f"{kind} {resource_id} is shared; only an admin may change it", kind=kind, id=resource_id
        )


def owner_scope(caller: Caller, requested_owner: str | None = None) -> frozenset[str] | None:
    """Owner ids a listing may include; None means everyone (admins only).

    Shared catalogue entries (SYSTEM_OWNER) are included for everyone; a non-admin asking for
    another tenant's resources gets only what is shared, never an error that confirms the tenant.
    """
    if caller.is_admin:
        return None if requested_owner is None else frozenset({requested_owner})
    if requested_owner in (None, caller.user_id):
        return frozenset({caller.user_id, SYSTEM_OWNER})
    return frozenset({SYSTEM_OWNER}) if requested_owner == SYSTEM_OWNER else frozenset()
