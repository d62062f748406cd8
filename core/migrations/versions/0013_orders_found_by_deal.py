"""Orders are found by their deal, and the window's orders name their deals from the index.

A won deal is thanked for unless an order placed in the thank-you window covers it.
Everyone's deals of the window were sorted against the window's orders read from the
``placed_at`` index, one table row per order for its deal (130 ms at 100,000 accounts,
whatever the scope): the index now carries the deal beside the moment, so that list is
one range of it. One person's few deals of the window are each looked up by deal in a
new ``(deal_id, placed_at)`` index instead (the due list's thank-you deals: 133 ms
against under 1 ms for the busiest person).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"

OLD = ("ix_orders_placed_at", ["placed_at"])
NEW = (
    ("ix_orders_placed_at_deal", ["placed_at", "deal_id"]),
    ("ix_orders_deal_placed", ["deal_id", "placed_at"]),
)


def upgrade() -> None:
    for name, columns in NEW:
        op.create_index(name, "orders", columns)
    op.drop_index(OLD[0], table_name="orders")


def downgrade() -> None:
    op.create_index(OLD[0], "orders", OLD[1])
    for name, _ in NEW:
        op.drop_index(name, table_name="orders")
