"""Per-user access keys for the EC2 frontend: make, list and delete them; look one up to verify.

An id has AWS's shape (``AKIA`` and 16 capital letters or digits: 20 characters), so clients and
tools that check the shape accept it. The secret is 40 URL-safe characters from 240 random bits,
shown once when made and kept only sealed (``secret_box``). A credential once read is kept only
while the store's auth epoch stands (``hearth.store.auth_epoch``): deleting a key or its user,
from any process sharing the store (the CLI), writes a new epoch, so the key is refused from
the next request, and a signature under a known key is checked without touching the store.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.errors import ValidationError
from hearth.store.access_keys import (
    StoredAccessKey,
    add_access_key,
    delete_access_key,
    list_access_keys,
    sealed_credential,
)
from hearth.store.auth_epoch import EpochWatch

from .secret_box import SecretBox

KEY_ID_PREFIX = "AKIA"
_KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
_KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")
_SECRET_BYTES = 30  # 40 characters of URL-safe base64, as long as AWS's secrets
MAX_KNOWN = 10_000  # credentials kept in memory before the lot is dropped


@dataclass(frozen=True)
class AccessKey:
    """An access key as anyone may see it: the id, whose it is, since when; never the secret."""

    id: str
    user: str
    owner_id: str
    created: datetime


@dataclass(frozen=True)
class NewAccessKey:
    """A key just made, with the one copy of its secret that anyone will ever be shown."""

    key: AccessKey
    secret: str = field(repr=False)


@dataclass(frozen=True)
class Credential:
    """What verifying a signature needs: the key's secret, and the caller it makes."""

    secret: str = field(repr=False)
    caller: Caller


class AccessKeys:
    """The access keys in the store at ``engine``, secrets sealed under the state dir's key file."""

    def __init__(self, engine: Engine, box: SecretBox) -> None:
        self.engine = engine
        self.box = box
        self._epoch = EpochWatch(engine)
        self._known: dict[str, tuple[str, Credential]] = {}  # key id → (epoch read under, it)

    def close(self) -> None:
        self._epoch.close()
        self._known.clear()

    @classmethod
    def in_state_dir(cls, engine: Engine, state_dir: Path) -> AccessKeys:
        return cls(engine, SecretBox.in_state_dir(state_dir))

    def create(self, user: str) -> NewAccessKey:
        """A new key for ``user`` (NotFound if there is no such user), with its secret."""
        key_id = KEY_ID_PREFIX + "".join(secrets.choice(_KEY_ID_ALPHABET) for _ in range(16))
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        stored = add_access_key(self.engine, user, key_id, self.box.seal(key_id, secret))
        return NewAccessKey(_key(stored), secret)

    def list(self, user: str) -> Sequence[AccessKey]:
        """The user's keys, oldest first (NotFound if there is no such user)."""
        return [_key(k) for k in list_access_keys(self.engine, user)]

    def delete(self, user: str, key_id: str) -> AccessKey:
        """Delete one of ``user``'s keys; requests signed with it are refused from now on."""
        return _key(delete_access_key(self.engine, user, check_key_id(key_id)))

    def secret_for(self, key_id: str) -> str | None:
        """The secret to verify a signature by ``key_id`` with, or None for no such key."""
        found = self.credential(key_id)
        return None if found is None else found.secret

    def credential(self, key_id: str) -> Credential | None:
        """The secret of ``key_id`` and who signs with it, from one read (None: no such key)."""
        epoch = self._epoch.current()  # before the read: a change during it voids what is kept
        found = sealed_credential(self.engine, key_id) if _KEY_ID.fullmatch(key_id) else None
        if found is None:
            return None
        caller = Caller(user_id=found.owner_id, is_admin=found.is_admin)
        credential = Credential(self.box.open(key_id, found.sealed), caller)
        if len(self._known) >= MAX_KNOWN:
            self._known.clear()
        self._known[key_id] = (epoch, credential)
        return credential

    def known(self, key_id: str) -> Credential | None:
        """The credential of ``key_id`` as last read, if no credential changed since; None means
        read it (``credential``). Cheap enough for an event loop: no query unless the store
        was written to meanwhile, then one primary-key read."""
        kept = self._known.get(key_id)
        if kept is None or kept[0] != self._epoch.current():
            return None
        return kept[1]

    def caller_for(self, key_id: str) -> Caller | None:
        """Who signs with ``key_id`` (the frontend asks once the signature is verified)."""
        found = sealed_credential(self.engine, key_id) if _KEY_ID.fullmatch(key_id) else None
        return None if found is None else Caller(user_id=found.owner_id, is_admin=found.is_admin)


def check_key_id(key_id: str) -> str:
    if not _KEY_ID.fullmatch(key_id):
        raise ValidationError(
            f"access key id {key_id!r} is not {KEY_ID_PREFIX} followed by 16 capital letters or digits",
            key_id=key_id,
        )
    return key_id


def _key(stored: StoredAccessKey) -> AccessKey:
    return AccessKey(stored.id, stored.owner_name, stored.owner_id, stored.created)
