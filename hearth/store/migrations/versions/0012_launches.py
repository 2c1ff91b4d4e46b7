"""launches and terminated_instances: which request made an instance, and instances just ended

Revision ID: 0012
Revises: 0011
Created: 2026-12-04

Shared tables: ``launches`` groups the instances one create request made (EC2's reservations),
``terminated_instances`` keeps what a terminated instance was for an hour after it went, so a
restarted server still answers clients waiting for the end. Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "launches",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("launch_id", ID, nullable=False),
        sa.Column("launch_index", sa.Integer(), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=True),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_id"),
    )
    op.create_index("ix_launches_owner_id", "launches", ["owner_id"])
    op.create_table(
        "terminated_instances",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("instance", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("launch_id", ID, nullable=True),
        sa.Column("launch_index", sa.Integer(), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_id"),
    )
    op.create_index("ix_terminated_instances_owner_id", "terminated_instances", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_terminated_instances_owner_id", table_name="terminated_instances")
    op.drop_table("terminated_instances")
    op.drop_index("ix_launches_owner_id", table_name="launches")
    op.drop_table("launches")
