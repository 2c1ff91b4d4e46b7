"""qemu driver: networks (Linux bridges the driver makes) and their subnets

Revision ID: qemu0002
Revises: 0005
Created: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "qemu0002"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(length=36)


def _resource(table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
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
    _resource(
        "qemu_networks",
        sa.Column("address_blocks", sa.JSON(), nullable=False),
        sa.Column("bridge", sa.String(length=15), nullable=False),
        sa.UniqueConstraint("bridge"),
    )
    _resource(
        "qemu_subnets",
        sa.Column("network_id", ID, nullable=False),
        sa.Column("address_block", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["qemu_networks.id"]),
    )
    op.create_index("ix_qemu_subnets_network_id", "qemu_subnets", ["network_id"])


def downgrade() -> None:
    op.drop_index("ix_qemu_subnets_network_id", table_name="qemu_subnets")
    op.drop_index("ix_qemu_subnets_owner_id", table_name="qemu_subnets")
    op.drop_table("qemu_subnets")
    op.drop_index("ix_qemu_networks_owner_id", table_name="qemu_networks")
    op.drop_table("qemu_networks")
