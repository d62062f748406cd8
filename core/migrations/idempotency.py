"""The idempotency key column, as migrations add it to a table and take it away.

Migrations 0002 and 0011 run these; a released migration must do tomorrow what it did
today, so what these write does not change (a new kind of key gets new functions).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString


def add_keys(tables: tuple[str, ...]) -> None:
    """Give each table a nullable ``idempotency_key`` (200 characters), unique when set
    (a batch copy on SQLite, as SQLite adds a constraint no other way)."""
    for table in tables:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("idempotency_key", AutoString(length=200), nullable=True))
            batch_op.create_unique_constraint(f"uq_{table}_idempotency_key", ["idempotency_key"])


def drop_keys(tables: tuple[str, ...]) -> None:
    """Take ``add_keys``' column and its constraint out of each table again."""
    for table in tables:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_idempotency_key", type_="unique")
            batch_op.drop_column("idempotency_key")
