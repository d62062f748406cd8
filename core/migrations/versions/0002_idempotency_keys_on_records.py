"""Idempotency keys on the records a click can create.

A double click or a retried Slack request must not record a promise, notice,
order, request or feedback twice; interactions already had such a key.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from core.migrations.idempotency import add_keys, drop_keys

revision: str = "0002"
down_revision: str | None = "0001"

TABLES = ("commitments", "feedback", "notices", "orders", "requests")


def upgrade() -> None:
    add_keys(TABLES)


def downgrade() -> None:
    drop_keys(TABLES)
