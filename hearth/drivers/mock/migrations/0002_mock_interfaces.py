"""mock driver: instance network interfaces and resolved template specs

Revision ID: 0002
Revises: mock0001
Created: 2026-11-22

In the mock branch; it revised the shared 0001 until the mock tables moved out of it into
mock0001. Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "mock0001"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "mock_interfaces",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=True),
        sa.Column("model", sa.String(length=16), nullable=False),
        sa.Column("subnet_id", ID, nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id", "mac"),
    )
    op.create_table(
        "mock_instance_specs",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("memory_mib", sa.Integer(), nullable=False),
        sa.Column("vcpus", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id"),
    )


def downgrade() -> None:
    op.drop_table("mock_instance_specs")
    op.drop_table("mock_interfaces")
