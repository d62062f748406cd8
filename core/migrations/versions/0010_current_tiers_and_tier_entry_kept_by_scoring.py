"""Scoring keeps each account's current tier (``current_tiers``), and each score snapshot
when its account's run of strategic or key snapshots began (``tier_since``).

Every reminder sweep reads each account's current tier: the tier of its newest
snapshot, found through the snapshots' index, which grows with every nightly scoring.
Now scoring keeps it in a table of one row per account; it is filled here from the
newest snapshots.

Onboarding is due for an account that became strategic or key, from the moment it
entered the tier. Every sweep found that moment from each key account's whole
snapshot history, which grows with every nightly scoring; now scoring writes it with
each snapshot (``tier_since``, :mod:`core.tier_runs`) and the newest snapshot answers.
The history already stored is counted here once, by the same rule: a run is numbered
by the lower-tier snapshots before it, and a reviewed snapshot's ``tier_since`` is the
earliest reviewed moment of its run.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "0010"
down_revision: str | None = "0009"

BACKFILL = """
UPDATE score_snapshots SET tier_since = runs.since
FROM (
    SELECT id, CASE WHEN reviewed = 1 THEN min(CASE WHEN reviewed = 1 THEN at END)
        OVER (PARTITION BY account_id, run) END AS since
    FROM (
        SELECT id, account_id, at,
            CASE WHEN tier IN ('strategic', 'key') THEN 1 ELSE 0 END AS reviewed,
            sum(CASE WHEN tier IN ('strategic', 'key') THEN 0 ELSE 1 END)
                OVER (PARTITION BY account_id ORDER BY at) AS run
        FROM score_snapshots
    ) AS numbered
) AS runs
WHERE score_snapshots.id = runs.id AND runs.since IS NOT NULL
"""


CURRENT = """
INSERT INTO current_tiers (account_id, tier)
SELECT id, tier FROM (
    SELECT a.id, (
        SELECT s.tier FROM score_snapshots s WHERE s.account_id = a.id ORDER BY s.at DESC LIMIT 1
    ) AS tier
    FROM accounts a
) AS newest
WHERE tier IS NOT NULL
"""


def upgrade() -> None:
    # A plain ALTER TABLE … ADD COLUMN (no batch copy of the snapshots), then one pass.
    op.add_column(
        "score_snapshots", sa.Column("tier_since", core.types.UTCDateTime(), nullable=True)
    )
    op.execute(BACKFILL)
    op.create_table(
        "current_tiers",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id"),
    )
    op.execute(CURRENT)


def downgrade() -> None:
    op.drop_table("current_tiers")
    # SQLite (3.35+) drops a column in place, as 0009's downgrade does
    op.execute("ALTER TABLE score_snapshots DROP COLUMN tier_since")
