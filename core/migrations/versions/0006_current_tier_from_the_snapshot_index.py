"""The account's current tier, read from the snapshot index alone.

Every reminder sweep asks each account's current tier: the tier of its newest
score snapshot. The (account, at) index found the newest snapshot, but its tier
was read from the table row, beside the wide breakdown; the index now carries the
tier, so the look-up reads the index alone (bench/README.md).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"

OLD = ("ix_score_snapshots_account_at", ["account_id", "at"])
NEW = ("ix_score_snapshots_account_at_tier", ["account_id", "at", "tier"])


def upgrade() -> None:
    op.create_index(NEW[0], "score_snapshots", NEW[1], unique=False)
    op.drop_index(OLD[0], table_name="score_snapshots")


def downgrade() -> None:
    op.create_index(OLD[0], "score_snapshots", OLD[1], unique=False)
    op.drop_index(NEW[0], table_name="score_snapshots")
