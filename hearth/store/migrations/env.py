"""Alembic environment: always run online against the connection ``hearth.store.migrate`` passes."""

from __future__ import annotations

from alembic import context

from hearth.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run Hearth migrations through hearth.store.migrate.upgrade(engine)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
