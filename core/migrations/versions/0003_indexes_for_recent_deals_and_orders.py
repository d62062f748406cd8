"""Indexes that find the deals won and the orders placed or changed in the last days.

The thank-you and personal-call reminders look at a week of deals and orders;
without these indexes every sweep read all of both tables.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_deals_stage_closed", "deals", ["stage", "closed_on"]),
    ("ix_orders_placed_at", "orders", ["placed_at"]),
    ("ix_orders_updated_at", "orders", ["updated_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
