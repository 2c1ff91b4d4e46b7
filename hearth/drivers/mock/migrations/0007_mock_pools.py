"""mock_pools: the mock driver's storage pools

Revision ID: 0007
Revises: mock0001
Created: 2026-11-30

In the mock branch, beside 0002 (mock0002 joins them); it revised the shared 0001 until the
mock tables moved out of it into mock0001. Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "mock0001"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "mock_pools",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("capacity_bytes", sa.BigInteger(), nullable=False),
        sa.Column("allocation_bytes", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("realm_id", ID, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mock_pools_owner_id", "mock_pools", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_mock_pools_owner_id", table_name="mock_pools")
    op.drop_table("mock_pools")
