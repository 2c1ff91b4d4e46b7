"""libvirt driver: images, volumes, snapshots, networks and subnets

Revision ID: 0090
Revises:
Created: 2026-11-22

The root of the libvirt branch; it revised the shared 0001 until each driver owned its tables
(no table here refers to a shared one). Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0090"
down_revision = None
branch_labels = ("libvirt",)
depends_on = None

ID = sa.String(length=36)
OBJ = sa.String(length=255)


def _resource(table: str, *columns: sa.Column[object] | sa.Constraint) -> None:
    """A table with the four resource columns, plus an owner index (as 0001 does)."""
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
        "libvirt_images",
        sa.Column("realm_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("os", sa.String(length=64), nullable=True),
        sa.Column("architecture", sa.String(length=16), nullable=False),
        sa.Column("source_instance", ID, nullable=True),
        sa.Column("pool", OBJ, nullable=True),
        sa.Column("volume", OBJ, nullable=True),
        sa.Column("kernel", sa.String(length=4096), nullable=True),
        sa.Column("initrd", sa.String(length=4096), nullable=True),
        sa.Column("cmdline", sa.String(length=4096), nullable=True),
    )
    _resource(
        "libvirt_volumes",
        sa.Column("realm_id", sa.String(length=64), nullable=False),
        sa.Column("pool", OBJ, nullable=False),
        sa.Column("volume", OBJ, nullable=False),
        sa.Column("capacity_gb", sa.Integer(), nullable=False),
    )
    _resource(
        "libvirt_snapshots",
        sa.Column("volume_id", ID, nullable=False),
        sa.Column("pool", OBJ, nullable=False),
        sa.Column("volume", OBJ, nullable=False),
        sa.ForeignKeyConstraint(["volume_id"], ["libvirt_volumes.id"]),
    )
    op.create_index("ix_libvirt_snapshots_volume_id", "libvirt_snapshots", ["volume_id"])
    _resource(
        "libvirt_networks",
        sa.Column("realm_id", sa.String(length=64), nullable=False),
        sa.Column("libvirt_name", OBJ, nullable=False),
        sa.Column("address_blocks", sa.JSON(), nullable=False),
        sa.UniqueConstraint("realm_id", "libvirt_name", name="uq_libvirt_networks_name"),
    )
    _resource(
        "libvirt_subnets",
        sa.Column("network_id", ID, nullable=False),
        sa.Column("address_block", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["libvirt_networks.id"]),
    )
    op.create_index("ix_libvirt_subnets_network_id", "libvirt_subnets", ["network_id"])


def downgrade() -> None:
    for table in (
        "libvirt_subnets",
        "libvirt_networks",
        "libvirt_snapshots",
        "libvirt_volumes",
        "libvirt_images",
    ):
        op.drop_table(table)
