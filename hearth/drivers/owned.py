"""Reading a driver's own store rows under the caller's ownership rules.

Every table a driver keeps for a resource carries ``owner_id`` (``ResourceColumns``), so "list
what this caller may see, oldest first" and "fetch one row or say NotFound/Forbidden" are the same
query and the same check whatever the table.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hearth.store.models import ResourceColumns

from .caller import Caller, ensure_modifiable, ensure_visible, owner_scope

R = TypeVar("R", bound=ResourceColumns)


def visible_rows(model: type[R], caller: Caller) -> Select[R]:
    """The rows of ``model`` the caller may see, in creation order (callers may add filters)."""
    q = select(model).order_by(model.created, model.id)
    scope = owner_scope(caller)
    if scope is not None:
        q = q.where(model.owner_id.in_(scope))
    return q


def owned_row(s: Session, model: type[R], kind: str, caller: Caller, row_id: str, modify: bool = False) -> R:
    """The row, or NotFound / Forbidden as ``ensure_visible`` / ``ensure_modifiable`` decide."""
    row = s.get(model, row_id)
    check = ensure_modifiable if modify else ensure_visible
    check(caller, kind, row_id, row.owner_id if row else None)
    assert row is not None
    return row
