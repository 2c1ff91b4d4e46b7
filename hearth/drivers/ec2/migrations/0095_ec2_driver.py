"""ec2 driver: the ownership table of what Hearth users made on EC2

Revision ID: 0095
Revises:
Created: 2026-12-02

The root of the ec2 branch; it revised the shared 0001 until each driver owned its tables (the
table refers to no shared one). Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0095"
down_revision = None
branch_labels = ("ec2",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ec2_objects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_name", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=16), nullable=True),
        sa.Column("source_instance", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ec2_objects_owner_id", "ec2_objects", ["owner_id"])
    op.create_index("ix_ec2_objects_region_kind", "ec2_objects", ["region", "kind"])


def downgrade() -> None:
    op.drop_table("ec2_objects")
