"""Keys kept in the store, shared by every driver: a key is a Hearth concept, not a backend one.

Drivers delegate their key operations here and look keys up by name when injecting them.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hearth.errors import BackendError, Conflict, NotFound
from hearth.store import new_id, read_session, store_errors, write_session
from hearth.store.models import KeyRow

from . import sshkeys
from .caller import Caller, ensure_modifiable, ensure_visible, owner_scope
from .resources import Key, KeyCreate, KeyCreated, KeyImport, KeyKind


def _key(row: KeyRow) -> Key:
    return Key(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        kind=KeyKind(row.kind),
        fingerprint=row.fingerprint,
        public_key=row.public_key,
    )


class KeyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self, caller: Caller) -> list[Key]:
        scope = owner_scope(caller)
        q = select(KeyRow).order_by(KeyRow.created, KeyRow.id)
        if scope is not None:
            q = q.where(KeyRow.owner_id.in_(scope))
        with store_errors("the key store"), read_session(self.engine) as s:
            return [_key(r) for r in s.scalars(q)]

    def get(self, caller: Caller, key_id: str) -> Key:
        with store_errors("the key store"), read_session(self.engine) as s:
            row = s.get(KeyRow, key_id)
            ensure_visible(caller, "key", key_id, row.owner_id if row else None)
            assert row is not None
            return _key(row)

    def by_name(self, caller: Caller, name: str) -> Key:
        """The caller's own key called ``name`` (what an instance create refers to)."""
        with store_errors("the key store"), read_session(self.engine) as s:
            row = s.scalars(
                select(KeyRow).where(KeyRow.owner_id == caller.user_id, KeyRow.name == name)
            ).first()
            if row is None:
                raise NotFound(f"key {name!r} not found", kind="key", name=name)
            return _key(row)

    def create(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        pair = sshkeys.generate(request.kind)
        key = self._store(caller, request.name, pair.public)
        return KeyCreated(**key.model_dump(), private_key=pair.private_openssh)

    def import_(self, caller: Caller, request: KeyImport) -> Key:
        return self._store(caller, request.name, sshkeys.parse_public_key(request.public_key))

    def delete(self, caller: Caller, key_id: str) -> None:
        with store_errors("the key store"), write_session(self.engine) as s:
            row = s.get(KeyRow, key_id)
            ensure_modifiable(caller, "key", key_id, row.owner_id if row else None)
            s.delete(row)

    def _store(self, caller: Caller, name: str, public: sshkeys.PublicKey) -> Key:
        row = KeyRow(
            id=new_id(),
            name=name,
            owner_id=caller.user_id,
            kind=public.kind.value,
            fingerprint=public.fingerprint,
            public_key=public.openssh,
        )
        try:
            with write_session(self.engine) as s:
                s.add(row)
                s.flush()
                return _key(row)
        except IntegrityError:
            raise Conflict(f"you already have a key named {name!r}", name=name) from None
        except SQLAlchemyError as exc:
            raise BackendError(f"the key store failed ({type(exc).__name__})") from None
