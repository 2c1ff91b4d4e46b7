"""What a store's schema must be, per backend: the shared tables and that backend's, as the ORM
declares them, compared with what the migrations made."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData

import hearth.store.access_keys
import hearth.store.idempotency
import hearth.store.launches
import hearth.store.media
import hearth.store.tags
import hearth.store.tasks
import hearth.store.templates
import hearth.store.terminations
from hearth.drivers.ec2 import tables as ec2_tables
from hearth.drivers.libvirt import tables as libvirt_tables
from hearth.drivers.mock import tables as mock_tables
from hearth.drivers.qemu import tables as qemu_tables
from hearth.store import models

# The modules above are imported for their tables: each declares its rows on the shared metadata.
SHARED_MODULES = (
    hearth.store.access_keys,
    hearth.store.idempotency,
    hearth.store.launches,
    hearth.store.media,
    hearth.store.tags,
    hearth.store.tasks,
    hearth.store.templates,
    hearth.store.terminations,
)

BACKEND_TABLES: dict[str, MetaData] = {
    "mock": mock_tables.Base.metadata,
    "qemu": qemu_tables.Base.metadata,
    "libvirt": libvirt_tables.Base.metadata,
    "ec2": ec2_tables.Base.metadata,
}


def expected(backend: str) -> MetaData:
    """The shared tables and ``backend``'s, on one metadata (as one store holds them)."""
    combined = MetaData()
    for source in (models.Base.metadata, BACKEND_TABLES[backend]):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def diff(engine: Engine, backend: str, *, others: bool = False) -> list[object]:
    """How the store differs from ``expected(backend)``; with ``others``, tables the store holds
    beyond those (another backend's) are not differences."""
    want = expected(backend)

    def include(name: str | None, kind: str, _parent: object) -> bool:
        return not others or kind != "table" or name in want.tables or name == "alembic_version"

    opts = {"compare_type": True, "include_name": include}
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts=opts), want))
