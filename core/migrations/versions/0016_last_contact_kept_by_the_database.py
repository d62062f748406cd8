"""Each account keeps the moment of its newest interaction (``accounts.last_contact_at``),
kept by triggers on ``interactions``.

The check-in reminders, the portfolio's "last contact" column and an account's card
all read an account's newest interaction. Looked up per account through the (account,
occurred) index, that was most of a sweep's check-in reading at a million accounts (900
thousand probes of an index larger than the server's cache). Kept on the account's row,
it is read with the row.

The database keeps it, so every way interactions are written keeps it right without
anyone remembering: the services, the bulk loads (multi-row INSERTs on SQLite, COPY on
PostgreSQL), the importer, mail capture, edits, deletes and an account's deletion.

- PostgreSQL: one trigger per statement for each of INSERT, UPDATE and DELETE, reading
  the statement's rows from its transition tables, so a bulk load of a million
  interactions runs one grouped UPDATE of the accounts rather than a trigger per row.
  An insert raises an account's moment to its newest new interaction; an update that
  moves an interaction (its moment or its account) and a delete of an account's newest
  look the newest up again through the (account, occurred) index. TRUNCATE clears it.
- SQLite (row triggers only): the same per row. Moments are stored as UTC text with
  microseconds (``YYYY-MM-DD HH:MM:SS.ffffff``, :class:`core.types.UTCDateTime` and
  :mod:`core.bulk` alike), so comparing them as text orders them in time, as ``max``
  does.

Filled from the interactions: each account's newest, through the same index.

A later migration that rebuilds ``interactions`` on SQLite (batch mode copies the table
and drops the old one) drops its triggers with it and must create them again:
:data:`SQLITE_TRIGGERS`.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.types

revision: str = "0016"
down_revision: str | None = "0015"

NEWEST = "(SELECT max(i.occurred_at) FROM interactions i WHERE i.account_id = accounts.id)"

SQLITE_TRIGGERS = (
    """
CREATE TRIGGER interactions_last_contact_insert AFTER INSERT ON interactions
BEGIN
    UPDATE accounts SET last_contact_at = NEW.occurred_at
    WHERE id = NEW.account_id
      AND (last_contact_at IS NULL OR last_contact_at < NEW.occurred_at);
END
""",
    f"""
CREATE TRIGGER interactions_last_contact_update
AFTER UPDATE OF occurred_at, account_id ON interactions
WHEN OLD.occurred_at IS NOT NEW.occurred_at OR OLD.account_id IS NOT NEW.account_id
BEGIN
    UPDATE accounts SET last_contact_at = {NEWEST}
    WHERE id IN (OLD.account_id, NEW.account_id);
END
""",
    f"""
CREATE TRIGGER interactions_last_contact_delete AFTER DELETE ON interactions
BEGIN
    UPDATE accounts SET last_contact_at = {NEWEST}
    WHERE id = OLD.account_id
      AND (last_contact_at IS NULL OR last_contact_at <= OLD.occurred_at);
END
""",
)

POSTGRESQL_FUNCTIONS = (
    """
CREATE FUNCTION kam_last_contact_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts a SET last_contact_at = n.at
    FROM (SELECT account_id, max(occurred_at) AS at
          FROM new_interactions GROUP BY account_id) n
    WHERE a.id = n.account_id AND (a.last_contact_at IS NULL OR a.last_contact_at < n.at);
    RETURN NULL;
END
$$
""",
    f"""
CREATE FUNCTION kam_last_contact_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET last_contact_at = {NEWEST}
    WHERE id IN (
        SELECT unnest(ARRAY[o.account_id, n.account_id])
        FROM old_interactions o JOIN new_interactions n ON n.id = o.id
        WHERE o.occurred_at IS DISTINCT FROM n.occurred_at
           OR o.account_id IS DISTINCT FROM n.account_id
    );
    RETURN NULL;
END
$$
""",
    f"""
CREATE FUNCTION kam_last_contact_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET last_contact_at = {NEWEST}
    FROM (SELECT account_id, max(occurred_at) AS at
          FROM old_interactions GROUP BY account_id) o
    WHERE accounts.id = o.account_id
      AND (accounts.last_contact_at IS NULL OR accounts.last_contact_at <= o.at);
    RETURN NULL;
END
$$
""",
    """
CREATE FUNCTION kam_last_contact_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET last_contact_at = NULL WHERE last_contact_at IS NOT NULL;
    RETURN NULL;
END
$$
""",
)

POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER interactions_last_contact_insert AFTER INSERT ON interactions"
    " REFERENCING NEW TABLE AS new_interactions"
    " FOR EACH STATEMENT EXECUTE FUNCTION kam_last_contact_inserted()",
    "CREATE TRIGGER interactions_last_contact_update AFTER UPDATE ON interactions"
    " REFERENCING OLD TABLE AS old_interactions NEW TABLE AS new_interactions"
    " FOR EACH STATEMENT EXECUTE FUNCTION kam_last_contact_updated()",
    "CREATE TRIGGER interactions_last_contact_delete AFTER DELETE ON interactions"
    " REFERENCING OLD TABLE AS old_interactions"
    " FOR EACH STATEMENT EXECUTE FUNCTION kam_last_contact_deleted()",
    "CREATE TRIGGER interactions_last_contact_truncate AFTER TRUNCATE ON interactions"
    " FOR EACH STATEMENT EXECUTE FUNCTION kam_last_contact_truncated()",
)

TRIGGERS = ("insert", "update", "delete", "truncate")
FUNCTIONS = ("inserted", "updated", "deleted", "truncated")

FILL = {
    "postgresql": """
UPDATE accounts SET last_contact_at = n.at
FROM (SELECT account_id, max(occurred_at) AS at FROM interactions GROUP BY account_id) n
WHERE accounts.id = n.account_id
""",
    "sqlite": f"UPDATE accounts SET last_contact_at = {NEWEST}",
}


def upgrade() -> None:
    op.add_column("accounts", sa.Column("last_contact_at", core.types.UTCDateTime(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(FILL[dialect])
    if dialect == "postgresql":
        for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in TRIGGERS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS interactions_last_contact_{name} ON interactions")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS interactions_last_contact_{name}")
    if dialect == "postgresql":
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS kam_last_contact_{name}()")
    # Not batch mode: on SQLite that copies accounts and drops the old table, which
    # others refer to (0007 drops its columns the same way).
    op.execute("ALTER TABLE accounts DROP COLUMN last_contact_at")
