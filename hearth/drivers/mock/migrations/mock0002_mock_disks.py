"""mock driver: removable drives (mock_disks), and one head for the mock branch

Revision ID: mock0002
Revises: 0002, 0007
Created: 2026-12-03

``mock_disks`` was made by the shared revision 0006 until each driver owned its tables. A store
made before the move has the table from 0006; one made before 0006 existed has not. So this
revision makes the table only where it is missing.
Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mock0002"
down_revision = ("0002", "0007")
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("mock_disks"):
        return
    op.create_table(
        "mock_disks",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("dev", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("bus", sa.String(length=8), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id", "dev"),
    )


def downgrade() -> None:
    op.drop_table("mock_disks")
