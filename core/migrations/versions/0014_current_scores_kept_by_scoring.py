"""Scoring keeps each account's newest scores beside its current tier
(``current_tiers``): attractiveness, relationship, quadrant, and the health of the
snapshot before the newest (the health trend).

The portfolio table read every account's newest snapshot and the one before it: two
wide rows an account (each with its breakdown), 3 to 4 s of the 14.4 s until a million
accounts scored twice were sortable. Now it reads one narrow row an account, joined
to the accounts as they are read (12.1 s).

The table holds only what the newest snapshots say, so it is made again, filled from
them (each found through the snapshots' index, and the health before it likewise).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "0014"
down_revision: str | None = "0013"

INDEXES = (("ix_current_tiers_health", ["health"]), ("ix_current_tiers_tier", ["tier"]))

NEWEST = """
SELECT s.account_id, s.tier, s.at, s.health, s.tier_since{more} FROM score_snapshots s JOIN (
    SELECT (
        SELECT p.id FROM score_snapshots p WHERE p.account_id = a.id ORDER BY p.at DESC LIMIT 1
    ) AS id
    FROM accounts a
) AS newest ON newest.id = s.id
"""
PREVIOUS = """, s.attractiveness, s.relationship, s.quadrant, (
    SELECT b.health FROM score_snapshots b WHERE b.account_id = s.account_id AND b.at < s.at
    ORDER BY b.at DESC LIMIT 1
)"""
KEPT = "account_id, tier, at, health, tier_since"


def _table(*more: sa.Column[object]) -> None:
    """``current_tiers`` as 0012 made it, with ``more`` columns, and its indexes."""
    account = sa.ForeignKey("accounts.id", ondelete="CASCADE")
    op.create_table(
        "current_tiers",
        sa.Column("account_id", sa.Integer(), account, primary_key=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("at", core.types.UTCDateTime(), nullable=False),
        sa.Column("health", sa.Float(), nullable=False),
        sa.Column("tier_since", core.types.UTCDateTime(), nullable=True),
        *more,
    )


def _indexes() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "current_tiers", columns)


def upgrade() -> None:
    op.drop_table("current_tiers")
    _table(
        sa.Column("attractiveness", sa.Float(), nullable=False),
        sa.Column("relationship", sa.Float(), nullable=False),
        sa.Column("quadrant", sa.String(length=24), nullable=False),
        sa.Column("previous_health", sa.Float(), nullable=True),
    )
    op.execute(
        f"INSERT INTO current_tiers ({KEPT}, attractiveness, relationship, quadrant,"
        " previous_health)" + NEWEST.format(more=PREVIOUS)
    )
    _indexes()


def downgrade() -> None:
    op.drop_table("current_tiers")
    _table()
    op.execute(f"INSERT INTO current_tiers ({KEPT})" + NEWEST.format(more=""))
    _indexes()
