"""What every driver keeping its records in the Hearth store shares: sessions, engine, keys.

Each backend keeps its own tables, but opening sessions, translating store failures into a
BackendError that names the driver, and releasing an engine the driver was handed to own are the
same everywhere; so are keys, which are a Hearth concept kept in one shared table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hearth.store import read_session, store_errors, write_session

from .caller import Caller
from .keystore import KeyStore
from .operations import Operation
from .parts import KeysPart
from .resources import Key, KeyCreate, KeyCreated, KeyImport

_KEY_OPERATIONS = {
    Operation.keys_list: "list_keys",
    Operation.keys_get: "get_key",
    Operation.keys_create: "create_key",
    Operation.keys_import: "import_key",
    Operation.keys_delete: "delete_key",
}


class StoreContext:
    """The part of a backend's context every store-backed backend has: the engine, sessions
    that turn store failures into a BackendError naming the driver, the shared key store.
    A backend's context derives from it; the driver's ``close`` calls ``close`` here."""

    def __init__(self, engine: Engine, driver_name: str, *, owns_engine: bool = False) -> None:
        self.engine = engine
        self.keys = KeyStore(engine)
        self.store_label = f"the {driver_name} driver's store"
        self._owns_engine = owns_engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        with store_errors(self.store_label), read_session(self.engine) as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        with store_errors(self.store_label), write_session(self.engine) as s:
            yield s

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()


class StoredKeys(KeysPart):
    """Keys as every store-backed backend keeps them: in Hearth's shared key table."""

    context: StoreContext

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An operation a subclass overrides may call its backend (EC2 deletes the key pair in
        AWS too), so only those left to the key store are store-only."""
        super().__init_subclass__(**kwargs)
        cls.store_operations = frozenset(
            op for op, name in _KEY_OPERATIONS.items() if getattr(cls, name) is getattr(StoredKeys, name)
        )

    def list_keys(self, caller: Caller) -> list[Key]:
        return self.context.keys.list(caller)

    def get_key(self, caller: Caller, key_id: str) -> Key:
        return self.context.keys.get(caller, key_id)

    def create_key(self, caller: Caller, request: KeyCreate) -> KeyCreated:
        return self.context.keys.create(caller, request)

    def import_key(self, caller: Caller, request: KeyImport) -> Key:
        return self.context.keys.import_(caller, request)

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self.context.keys.delete(caller, key_id)


StoredKeys.store_operations = frozenset(_KEY_OPERATIONS)
