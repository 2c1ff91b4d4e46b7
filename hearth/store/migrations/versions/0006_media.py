"""media: media sources

Revision ID: 0006
Revises: 0001
Created: 2026-11-22

In the shared branch (0009 joins its heads); written out in full, like 0001. Until each driver
owned its tables this revision also made the mock driver's ``mock_disks``, now mock0002's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "media_sources",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("server", sa.String(length=255), nullable=True),
        sa.Column("export", sa.Text(), nullable=True),
        sa.Column("urls", sa.JSON(), nullable=False),
        sa.Column("cache", sa.Boolean(), nullable=False),
        sa.Column("root", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_media_sources_owner_id", "media_sources", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_media_sources_owner_id", table_name="media_sources")
    op.drop_table("media_sources")
