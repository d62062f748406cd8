"""Indexes for the reminder sweep, which runs every few minutes over the whole portfolio.

The thank-you and personal-call reminders look at a week of deals and orders
(without these indexes every sweep read all of both tables) and ask whether a
thank-you or a call was logged since; each due occurrence is looked up in the
reminder table by key, where only its state and snooze matter. Both deal
indexes carry the columns revenue sums read (amount, cost), so scoring, the
forecast, the goals and the account card read the indexes alone.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"

ACCOUNT_INDEX = "ix_deals_account_stage_closed"
ACCOUNT_COLUMNS = ["account_id", "stage", "closed_on"]
INDEXES = (
    ("ix_deals_stage_closed", "deals", ["stage", "closed_on", "account_id", "amount", "cost"]),
    ("ix_orders_placed_at", "orders", ["placed_at"]),
    ("ix_orders_updated_at", "orders", ["updated_at"]),
    (
        "ix_interactions_kind_account_occurred",
        "interactions",
        ["kind", "account_id", "occurred_at"],
    ),
    ("ix_reminders_key_state", "reminders", ["key", "state", "snoozed_until"]),
)


def upgrade() -> None:
    # The account index gains the revenue columns: with only one of the two deal
    # indexes carrying them, SQLite read one account's revenue through the other.
    op.drop_index(ACCOUNT_INDEX, table_name="deals")
    op.create_index(ACCOUNT_INDEX, "deals", [*ACCOUNT_COLUMNS, "amount", "cost"], unique=False)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index(ACCOUNT_INDEX, table_name="deals")
    op.create_index(ACCOUNT_INDEX, "deals", ACCOUNT_COLUMNS, unique=False)
