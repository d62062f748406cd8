"""Working hours per person, and reminders folded into the digest.

Each person gets a working day (``work_start``, ``work_end``, ``work_days``;
defaults 09:00-17:00, Monday to Friday, in their own ``timezone``): nothing is
sent outside it and their digest goes out at its start. A routine reminder is
no longer a message of its own; the sweep records it ``folded`` (it reaches
the person in their digest), and an urgent one that must wait for the person's
working hours (or their Slack link) is ``held`` until then: the reminder state
gains both values.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"

OLD_STATES = ("pending", "sending", "sent", "snoozed", "done", "dismissed", "failed")
NEW_STATES = (*OLD_STATES, "folded", "held")


def _states(states: tuple[str, ...]) -> str:
    return "state IN ({})".format(", ".join(f"'{s}'" for s in states))


COLUMNS = (
    ("work_start", sa.Time(), "09:00:00"),
    ("work_end", sa.Time(), "17:00:00"),
    ("work_days", sa.String(length=7), "12345"),
)


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, not a batch copy: on SQLite a copy of users would
    # drop a table the accounts, reminders and others refer to.
    for name, type_, default in COLUMNS:
        op.add_column("users", sa.Column(name, type_, nullable=False, server_default=default))
        if op.get_bind().dialect.name == "postgresql":
            op.alter_column("users", name, server_default=None)
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_state_valid", type_="check")
        batch.create_check_constraint("ck_state_valid", _states(NEW_STATES))


def downgrade() -> None:
    # A folded reminder was never sent on its own; the older schema reads it as sent
    # (it reached the person in the digest), which keeps it from being sent again.
    op.execute("UPDATE reminders SET state = 'sent' WHERE state = 'folded'")
    # A held reminder was never sent: the older schema claims it again as new.
    op.execute("DELETE FROM reminders WHERE state = 'held'")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_state_valid", type_="check")
        batch.create_check_constraint("ck_state_valid", _states(OLD_STATES))
    for name, _, _ in reversed(COLUMNS):
        # SQLite (3.35+) drops a column in place; a batch copy would drop users itself
        op.execute(f"ALTER TABLE users DROP COLUMN {name}")
