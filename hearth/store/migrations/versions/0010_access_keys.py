"""access_keys: the users' keys for AWS Signature Version 4, secrets sealed

Revision ID: 0010
Revises: 0001
Created: 2026-12-03

A shared table that needs only ``users`` (0001): it revises the shared head and nothing else,
so it can follow that head wherever it moves. Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_keys",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_keys_owner_id", "access_keys", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_access_keys_owner_id", table_name="access_keys")
    op.drop_table("access_keys")
