"""initial schema: users, keys and store_meta (the root of the shared branch)

Revision ID: 0001
Revises:
Created: 2026-11-21

Written out in full (no imports from hearth.store.models) so later model changes cannot
silently rewrite history; tests/drivers/test_store.py checks it matches the ORM metadata.
Until the drivers owned their tables this revision also made the mock driver's; those moved to
the mock branch (revision mock0001), which a store made before the move counts as applied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = ("shared",)
depends_on = None

ID = sa.String(length=36)


def _resource(table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    """Create a table with the four resource columns, plus an owner index."""
    op.create_table(
        table,
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(f"ix_{table}_owner_id", table, ["owner_id"])


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    _resource(
        "keys",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.UniqueConstraint("owner_id", "name", name="uq_keys_owner_name"),
    )


def downgrade() -> None:
    for table in ("keys", "users", "store_meta"):
        op.drop_table(table)
