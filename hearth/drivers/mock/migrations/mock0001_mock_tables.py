"""mock driver: realms, hardware profiles, images, instances, networks, subnets, addresses,
volumes, snapshots and address bindings (the root of the mock branch)

Revision ID: mock0001
Revises:
Created: 2026-12-03

These tables were made by the shared revision 0001 until each driver owned its tables; this
revision makes them, unchanged, for a new store only. Every store made before the move has 0002,
which now revises this one, so Alembic counts this revision as applied there and never runs it.
Written out in full, like 0001; tests/drivers/test_store.py checks it matches the ORM metadata.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mock0001"
down_revision = None
branch_labels = ("mock",)
depends_on = None

ID = sa.String(length=36)


def _resource(table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    """Create a table with the four resource columns, plus an owner index."""
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
        "mock_realms",
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=True),
    )
    _resource("mock_hardware_profiles", sa.Column("properties", sa.JSON(), nullable=False))
    _resource(
        "mock_images",
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("os", sa.String(length=64), nullable=True),
        sa.Column("architecture", sa.String(length=16), nullable=False),
        sa.Column("source_instance", ID, nullable=True),
    )
    _resource(
        "mock_instances",
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("next_state", sa.String(length=16), nullable=True),
        sa.Column("next_at", sa.Float(), nullable=True),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("image_id", ID, nullable=True),
        sa.Column("template_id", ID, nullable=True),
        sa.Column("realm_id", ID, nullable=False),
        sa.Column("hwp_id", ID, nullable=False),
        sa.Column("hwp_overrides", sa.JSON(), nullable=False),
        sa.Column("key_name", sa.String(length=64), nullable=True),
        sa.Column("user_data", sa.Text(), nullable=True),
    )
    op.create_index("ix_mock_instances_owner_state", "mock_instances", ["owner_id", "state"])
    op.create_index("ix_mock_instances_realm_id", "mock_instances", ["realm_id"])
    _resource("mock_networks", sa.Column("address_blocks", sa.JSON(), nullable=False))
    _resource(
        "mock_subnets",
        sa.Column("network_id", ID, nullable=False),
        sa.Column("address_block", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["mock_networks.id"]),
    )
    op.create_index("ix_mock_subnets_network_id", "mock_subnets", ["network_id"])
    _resource(
        "mock_addresses",
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("instance_id", ID, nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"]),
        sa.UniqueConstraint("ip_address"),
    )
    op.create_index("ix_mock_addresses_instance_id", "mock_addresses", ["instance_id"])
    _resource(
        "mock_volumes",
        sa.Column("capacity_gb", sa.Integer(), nullable=False),
        sa.Column("realm_id", ID, nullable=False),
        sa.Column("instance_id", ID, nullable=True),
        sa.Column("device", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"]),
        sa.UniqueConstraint("instance_id", "device", name="uq_mock_volumes_device"),
    )
    op.create_index("ix_mock_volumes_instance_id", "mock_volumes", ["instance_id"])
    _resource(
        "mock_snapshots",
        sa.Column("volume_id", ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["volume_id"], ["mock_volumes.id"]),
    )
    op.create_index("ix_mock_snapshots_volume_id", "mock_snapshots", ["volume_id"])
    op.create_table(
        "mock_bindings",
        sa.Column("instance_id", ID, nullable=False),
        sa.Column("subnet_id", ID, nullable=False),
        sa.Column("network_id", ID, nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["mock_instances.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["network_id"], ["mock_networks.id"]),
        sa.ForeignKeyConstraint(["subnet_id"], ["mock_subnets.id"]),
        sa.PrimaryKeyConstraint("instance_id", "subnet_id"),
        sa.UniqueConstraint("subnet_id", "ip_address", name="uq_mock_bindings_ip"),
    )
    op.create_index("ix_mock_bindings_network_id", "mock_bindings", ["network_id"])


def downgrade() -> None:
    for table in (
        "mock_bindings",
        "mock_snapshots",
        "mock_volumes",
        "mock_addresses",
        "mock_subnets",
        "mock_networks",
        "mock_instances",
        "mock_images",
        "mock_hardware_profiles",
        "mock_realms",
    ):
        op.drop_table(table)
