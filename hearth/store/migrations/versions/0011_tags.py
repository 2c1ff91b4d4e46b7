"""tags: key/value labels on resources (instances, images, volumes, snapshots, networks, subnets)

Revision ID: 0011
Revises: 0010
Created: 2026-12-04

A shared table: tags are Hearth's, whatever the backend, so the resources need not be rows of
this store (a libvirt domain, an EC2 instance). Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("kind", "resource_id", "key"),
    )
    op.create_index("ix_tags_kind_owner_id", "tags", ["kind", "owner_id"])


def downgrade() -> None:
    op.drop_index("ix_tags_kind_owner_id", table_name="tags")
    op.drop_table("tags")
