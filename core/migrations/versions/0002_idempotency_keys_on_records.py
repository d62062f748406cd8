"""Idempotency keys on the records a click can create.

A double click or a retried Slack request must not record a promise, notice,
order, request or feedback twice; interactions already had such a key.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"

TABLES = ("commitments", "feedback", "notices", "orders", "requests")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
                )
            )
            batch_op.create_unique_constraint(f"uq_{table}_idempotency_key", ["idempotency_key"])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_idempotency_key", type_="unique")
            batch_op.drop_column("idempotency_key")
