"""Scoring keeps the moment, health and tier entry of each account's newest snapshot
beside its current tier (``current_tiers``).

A health drop is due for an account whose newest snapshot is red. Every sweep found
each account's newest snapshot through the snapshots' (account, at) index, which grows
with every nightly scoring: a third of a sweep after thirty nightly scorings. Now the
accounts red now are one range of an index on ``current_tiers.health``; whether a
health is red stays the scoring settings' to say when the sweep reads it.

The table holds only what the newest snapshots say, so it is made again, filled from
them (each found through the snapshots' index).

Onboarding reads the moment an account's run in strategic or key began (its newest
snapshot's ``tier_since``): kept here too, it is one look-up by key, where the
snapshots' index grew with each nightly scoring (25 ms against 114 ms after thirty
nightly scorings of 100,000 accounts).

Whether an account's red run began with a drop inside the window is read from its
snapshots of the window; their health joins the tier in the (account, at) index,
so that reads the index alone and not each wide row (190 ms against 40 ms after
thirty nightly scorings of 100,000 accounts, 4,000 of them red).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "0012"
down_revision: str | None = "0011"

OLD = ("ix_score_snapshots_account_at_tier", ["account_id", "at", "tier"])
NEW = ("ix_score_snapshots_account_at_tier_health", ["account_id", "at", "tier", "health"])

NEWEST = """
SELECT s.account_id, s.tier{more} FROM score_snapshots s JOIN (
    SELECT (
        SELECT p.id FROM score_snapshots p WHERE p.account_id = a.id ORDER BY p.at DESC LIMIT 1
    ) AS id
    FROM accounts a
) AS newest ON newest.id = s.id
"""


def _table(*more: sa.Column[object]) -> None:
    """``current_tiers`` with its tier, and ``more`` columns."""
    account = sa.ForeignKey("accounts.id", ondelete="CASCADE")
    op.create_table(
        "current_tiers",
        sa.Column("account_id", sa.Integer(), account, primary_key=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        *more,
    )


def upgrade() -> None:
    op.drop_table("current_tiers")
    _table(
        sa.Column("at", core.types.UTCDateTime(), nullable=False),
        sa.Column("health", sa.Float(), nullable=False),
        sa.Column("tier_since", core.types.UTCDateTime(), nullable=True),
    )
    op.execute(
        "INSERT INTO current_tiers (account_id, tier, at, health, tier_since)"
        + NEWEST.format(more=", s.at, s.health, s.tier_since")
    )
    op.create_index("ix_current_tiers_health", "current_tiers", ["health"])
    op.create_index(NEW[0], "score_snapshots", NEW[1])
    op.drop_index(OLD[0], table_name="score_snapshots")


def downgrade() -> None:
    op.create_index(OLD[0], "score_snapshots", OLD[1])
    op.drop_index(NEW[0], table_name="score_snapshots")
    op.drop_table("current_tiers")
    _table()
    op.execute("INSERT INTO current_tiers (account_id, tier)" + NEWEST.format(more=""))
