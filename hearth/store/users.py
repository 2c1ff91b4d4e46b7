"""Server users: creation, lookup and password authentication."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hearth.errors import AuthFailure, Conflict, ValidationError

from .demo import DEMO_USERS
from .engine import read_session, write_session
from .ids import new_id
from .models import StoreMeta, User
from .passwords import DUMMY_HASH, hash_password, verify_password

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")
MIN_PASSWORD = 8
_SEEDED = "demo_users_seeded"


@dataclass(frozen=True)
class Account:
    """A user as the rest of Hearth sees it: never carries the password hash."""

    id: str
    name: str
    is_admin: bool
    created: datetime


def _account(user: User) -> Account:
    return Account(id=user.id, name=user.name, is_admin=user.is_admin, created=user.created)


def create_user(engine: Engine, name: str, password: str, *, is_admin: bool = False) -> Account:
    if not _NAME.match(name):
        raise ValidationError(
            f"user name {name!r} must start with a lowercase letter and use only a-z, 0-9, '.', '_', '-'"
        )
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")
    try:
        with write_session(engine) as s:
            return _account(_add(s, name, password, is_admin))
    except IntegrityError:
        raise Conflict(f"user {name!r} already exists", name=name) from None


def _add(session: Session, name: str, password: str, is_admin: bool) -> User:
    user = User(id=new_id(), name=name, password_hash=hash_password(password), is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def get_user(engine: Engine, name: str) -> Account | None:
    with read_session(engine) as s:
        user = s.scalars(select(User).where(User.name == name)).first()
        return _account(user) if user else None


def authenticate(engine: Engine, name: str, password: str) -> Account:
    """Return the account or raise AuthFailure; an unknown name takes as long as a bad password."""
    with read_session(engine) as s:
        user = s.scalars(select(User).where(User.name == name)).first()
        stored = user.password_hash if user else DUMMY_HASH
    if not verify_password(password, stored) or user is None:
        raise AuthFailure("invalid user name or password")
    return _account(user)


def seed_demo_users(engine: Engine) -> bool:
    """Create the demo accounts on the first start only; returns whether it did anything."""
    with write_session(engine) as s:
        if s.get(StoreMeta, _SEEDED) is not None:
            return False
        for demo in DEMO_USERS:
            if s.scalars(select(User).where(User.name == demo.name)).first() is None:
                _add(s, demo.name, demo.password, demo.is_admin)
        s.add(StoreMeta(key=_SEEDED, value="1"))
    return True
