"""Scoring keeps, beside each account's newest health (``current_tiers``), the moment of
its newest snapshot above the red line and the red line that was judged by.

A health drop is due from the snapshot after an account's last one above the red
line. Every sweep found that moment by reading each red account's snapshots of the
14-day window, which a nightly scoring makes one more of each day (two after two
nightly scorings, fourteen after thirty): the part of the sweep that still grew with
history. Now it is read from the account's row, when the row was kept by the red line
the sweep asks about (the line is the scoring settings', so a changed one reads the
window as before until the next scoring keeps the new one).

Filled from the snapshots: the newest snapshot itself when above the red line,
otherwise one look back through the (account, at, tier, health) index to where its red
run began; by the red line the scoring settings in force say (``[scoring.bands] red``).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "0015"
down_revision: str | None = "0014"

FILL = """
UPDATE current_tiers SET red_line = :red, above_at = CASE WHEN health > :red THEN at ELSE (
    SELECT s.at FROM score_snapshots s
    WHERE s.account_id = current_tiers.account_id AND s.at <= current_tiers.at
      AND s.health > :red
    ORDER BY s.at DESC LIMIT 1
) END
"""


def _red_line() -> float:
    """The red line of the scoring settings in force (``kam.toml``, else the default)."""
    from core.errors import KamError
    from core.scoring.config import ScoringConfig, load_config

    try:
        return float(load_config().bands.red)
    except KamError:  # a broken kam.toml is for the command to report, not the upgrade
        return float(ScoringConfig().bands.red)


def upgrade() -> None:
    op.add_column("current_tiers", sa.Column("red_line", sa.Float(), nullable=True))
    op.add_column("current_tiers", sa.Column("above_at", core.types.UTCDateTime(), nullable=True))
    op.execute(sa.text(FILL).bindparams(red=_red_line()))


def downgrade() -> None:
    with op.batch_alter_table("current_tiers") as batch:
        batch.drop_column("above_at")
        batch.drop_column("red_line")
