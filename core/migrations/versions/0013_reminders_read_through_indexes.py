"""Indexes through which the reminder kinds find what they read, for one person and
for everyone, instead of reading whole tables.

- **Orders by deal.** A won deal is thanked for unless an order placed in the thank-you
  window covers it. Everyone's deals of the window were sorted against the window's
  orders read from the ``placed_at`` index, one table row per order for its deal (130 ms
  at 100,000 accounts, whoever asked): that index now carries the deal beside the
  moment, so the list is one range of it; one person's few deals are each looked up in
  a new ``(deal_id, placed_at)`` index (the busiest person's due list spent 133 ms there,
  under 1 ms now).
- **Accounts by tier.** Account reviews and onboarding read the strategic and key
  accounts; found by computing every account's tier, that read every account (173 ms
  of a sweep at 100,000 accounts). The tier scoring keeps (``current_tiers.tier``) and
  the tier set by hand (``accounts.tier_override``) are now indexed.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"

OLD = ("ix_orders_placed_at", "orders", ["placed_at"])
NEW = (
    ("ix_orders_placed_at_deal", "orders", ["placed_at", "deal_id"]),
    ("ix_orders_deal_placed", "orders", ["deal_id", "placed_at"]),
    ("ix_current_tiers_tier", "current_tiers", ["tier"]),
    ("ix_accounts_tier_override", "accounts", ["tier_override"]),
)


def upgrade() -> None:
    for name, table, columns in NEW:
        op.create_index(name, table, columns)
    op.drop_index(OLD[0], table_name=OLD[1])


def downgrade() -> None:
    op.create_index(*OLD)
    for name, table, _ in NEW:
        op.drop_index(name, table_name=table)
