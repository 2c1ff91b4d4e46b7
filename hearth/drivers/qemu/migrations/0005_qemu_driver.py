"""qemu driver: images, instance records, volumes and snapshots

Revision ID: 0005
Revises:
Created: 2026-11-23

The root of the qemu branch; it revised the shared 0001 until each driver owned its tables
(no table here refers to a shared one). Written out in full, like 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = None
branch_labels = ("qemu",)
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
        "qemu_images",
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("os", sa.String(length=64), nullable=True),
        sa.Column("architecture", sa.String(length=16), nullable=False),
        sa.Column("source_instance", ID, nullable=True),
        sa.Column("disk", sa.String(length=64), nullable=True),
        sa.Column("disk_format", sa.String(length=16), nullable=True),
        sa.Column("kernel", sa.String(length=64), nullable=True),
        sa.Column("initrd", sa.String(length=64), nullable=True),
        sa.Column("cmdline", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
    )
    _resource(
        "qemu_instances",
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("stop_deadline", sa.Float(), nullable=True),
        sa.Column("image_id", ID, nullable=True),
        sa.Column("template_id", sa.String(length=64), nullable=True),
        sa.Column("realm_id", ID, nullable=False),
        sa.Column("hwp_id", ID, nullable=False),
        sa.Column("hwp_overrides", sa.JSON(), nullable=False),
        sa.Column("key_name", sa.String(length=64), nullable=True),
        sa.Column("memory_mib", sa.Integer(), nullable=False),
        sa.Column("vcpus", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=True),
        sa.Column("base_images", sa.JSON(), nullable=False),
    )
    _resource(
        "qemu_volumes",
        sa.Column("capacity_gb", sa.Integer(), nullable=False),
        sa.Column("realm_id", ID, nullable=False),
        sa.Column("instance_id", ID, nullable=True),
        sa.Column("device", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["qemu_instances.id"]),
        sa.UniqueConstraint("instance_id", "device", name="uq_qemu_volumes_device"),
    )
    op.create_index("ix_qemu_volumes_instance_id", "qemu_volumes", ["instance_id"])
    _resource(
        "qemu_snapshots",
        sa.Column("volume_id", ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["volume_id"], ["qemu_volumes.id"]),
    )
    op.create_index("ix_qemu_snapshots_volume_id", "qemu_snapshots", ["volume_id"])


def downgrade() -> None:
    op.drop_index("ix_qemu_snapshots_volume_id", table_name="qemu_snapshots")
    op.drop_index("ix_qemu_snapshots_owner_id", table_name="qemu_snapshots")
    op.drop_table("qemu_snapshots")
    op.drop_index("ix_qemu_volumes_instance_id", table_name="qemu_volumes")
    op.drop_index("ix_qemu_volumes_owner_id", table_name="qemu_volumes")
    op.drop_table("qemu_volumes")
    op.drop_index("ix_qemu_instances_owner_id", table_name="qemu_instances")
    op.drop_table("qemu_instances")
    op.drop_index("ix_qemu_images_owner_id", table_name="qemu_images")
    op.drop_table("qemu_images")
