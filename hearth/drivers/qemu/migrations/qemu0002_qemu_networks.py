"""qemu driver: networks (Linux bridges the driver makes), their subnets, instances' addresses

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
    op.create_table(
        "qemu_bindings",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("mac", sa.String(length=17), nullable=False),
        sa.Column("subnet_id", ID, nullable=False),
        sa.Column("network_id", ID, nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["qemu_instances.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subnet_id"], ["qemu_subnets.id"]),
        sa.ForeignKeyConstraint(["network_id"], ["qemu_networks.id"]),
        sa.PrimaryKeyConstraint("instance_id", "mac"),
        sa.UniqueConstraint("subnet_id", "ip_address", name="uq_qemu_bindings_ip"),
    )
    op.create_index("ix_qemu_bindings_subnet_id", "qemu_bindings", ["subnet_id"])
    op.create_index("ix_qemu_bindings_network_id", "qemu_bindings", ["network_id"])


def downgrade() -> None:
    op.drop_index("ix_qemu_bindings_network_id", table_name="qemu_bindings")
    op.drop_index("ix_qemu_bindings_subnet_id", table_name="qemu_bindings")
    op.drop_table("qemu_bindings")
    op.drop_index("ix_qemu_subnets_network_id", table_name="qemu_subnets")
    op.drop_index("ix_qemu_subnets_owner_id", table_name="qemu_subnets")
    op.drop_table("qemu_subnets")
    op.drop_index("ix_qemu_networks_owner_id", table_name="qemu_networks")
    op.drop_table("qemu_networks")
