"""one head for the shared branch: joins tasks, templates, media and idempotency

Revision ID: 0009
Revises: 0003, 0004, 0006, 0008
Created: 2026-12-03

Those revisions each branched off 0001 when every table shared one branch; the shared branch
now has its own label, so a store is brought to ``shared@head``: one head, which later shared
revisions revise. Changes nothing in the schema.
"""

from __future__ import annotations

revision = "0009"
down_revision = ("0003", "0004", "0006", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
