"""Administering server users: list, change a password, delete — safely, while a server runs.

Every change that could invalidate a login writes a new auth epoch in the same transaction, so
a running server's verdict cache drops it at once (see ``auth_epoch``). Deleting refuses to
leave the server without an admin, and refuses while the user still owns resources unless
forced: the store cannot stop a guest or free a disk (only the driver can), so a forced delete
keeps the resources, owned by the vanished id, which only admins then see and can remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, column, func, inspect, select, update
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session

from hearth.errors import Conflict, NotFound, ValidationError

from .auth_epoch import bump_epoch
from .engine import read_session, write_session
from .models import User
from .passwords import hash_password
from .users import MIN_PASSWORD, Account, _account

# Owned rows that are not resources a user could still be using: history, and credentials that
# go with their user (the access keys' rows cascade).
# Rows about resources (or about no resource), not resources a user still owns.
_NOT_RESOURCES = frozenset({"tasks", "access_keys", "tags", "launches", "terminated_instances"})
_GONE_STATES = ("FINISHED", "DELETED")
_BACKEND_PREFIXES = ("mock_", "qemu_", "libvirt_")


@dataclass(frozen=True)
class Deleted:
    """The deleted account and what it still owned (resource kind → count), kept in place."""

    account: Account
    kept: dict[str, int] = field(default_factory=dict)


def list_users(engine: Engine) -> list[Account]:
    with read_session(engine) as s:
        return [_account(u) for u in s.scalars(select(User).order_by(User.name))]


def set_password(engine: Engine, name: str, password: str) -> Account:
    """Replace the user's password hash; logins with the old one fail from the next request on."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")
    hashed = hash_password(password)  # slow: outside the write lock
    with write_session(engine) as s:
        user = _find(s, name)
        s.execute(update(User).where(User.id == user.id).values(password_hash=hashed))
        bump_epoch(s)
        return _account(user)


def owned_resources(session: Session, user_id: str) -> dict[str, int]:
    """How many live resources of each kind the store records for ``user_id``.

    Found through every table of this database with an ``owner_id`` column, read from the
    database itself: a driver's tables count without this module knowing them, and only the
    tables this store holds are asked. Rows in a final state (destroyed, deleted) do not count.
    """
    counts: dict[str, int] = {}
    found = inspect(session.connection())
    for name in sorted(found.get_table_names()):
        columns = {c["name"] for c in found.get_columns(name)}
        if "owner_id" not in columns or name in _NOT_RESOURCES:
            continue
        table = sql_table(name, *(column(c) for c in columns & {"owner_id", "state"}))
        query = select(func.count()).select_from(table).where(table.c.owner_id == user_id)
        if "state" in columns:
            query = query.where(table.c.state.not_in(_GONE_STATES))
        n = int(session.scalar(query) or 0)
        if n:
            kind = _kind(name)
            counts[kind] = counts.get(kind, 0) + n
    return dict(sorted(counts.items()))


def delete_user(engine: Engine, name: str, *, force: bool = False, also_owned: int = 0) -> Deleted:
    """Delete the user; Conflict for the last admin, or while it owns resources unless ``force``.

    ``also_owned`` counts instances the store does not record (a libvirt domain carries its
    owner in its own metadata), found by the caller through the driver.
    """
    with write_session(engine) as s:
        user = _find(s, name)
        if user.is_admin:
            admins = s.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True)))
            if (admins or 0) <= 1:
                raise Conflict(
                    f"user {name!r} is the last admin and cannot be deleted; "
                    "add another admin first (hearth user add NAME --admin)",
                    name=name,
                )
        kept = owned_resources(s, user.id)
        if also_owned:
            kept["instances"] = kept.get("instances", 0) + also_owned
        if kept and not force:
            raise Conflict(
                f"user {name!r} still owns {describe(kept)}; delete them first, or pass --force to "
                "delete the user and keep them (only admins will see them)",
                name=name,
                owned=kept,
            )
        account = _account(user)
        s.delete(user)
        bump_epoch(s)
        return Deleted(account, kept)


def describe(counts: dict[str, int]) -> str:
    """``{"instances": 2, "keys": 1}`` → "2 instances and 1 key"."""
    parts = [f"{n} {kind if n != 1 else _singular(kind)}" for kind, n in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _find(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"no user named {name!r}", name=name)
    return user


def _kind(table: str) -> str:
    for prefix in _BACKEND_PREFIXES:
        table = table.removeprefix(prefix)
    return table.replace("_", " ")


def _singular(kind: str) -> str:
    if kind.endswith("sses"):
        return kind[:-2]
    return kind[:-1] if kind.endswith("s") else kind
