"""mock driver: the simulated serial console log of each instance (mock_instances.console_log)

Revision ID: mock0003
Revises: mock0002
Created: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mock0003"
down_revision = "mock0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mock_instances") as batch:
        batch.add_column(sa.Column("console_log", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mock_instances") as batch:
        batch.drop_column("console_log")
