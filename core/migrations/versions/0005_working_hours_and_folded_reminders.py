"""Working hours per person, and reminders folded into the digest.

Each person gets a working day (``work_start``, ``work_end``, ``work_days``;
defaults 09:00-17:00, Monday to Friday, in their own ``timezone``): nothing is
sent outside it and their digest goes out at its start. A routine reminder is
no longer a message of its own; the sweep records it ``folded`` (it reaches
the person in their digest), so the reminder state gains that value.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"

OLD_STATES = ("pending", "sending", "sent", "snoozed", "done", "dismissed", "failed")
NEW_STATES = (*OLD_STATES, "folded")


def _states(states: tuple[str, ...]) -> str:
    return "state IN ({})".format(", ".join(f"'{s}'" for s in states))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("work_start", sa.Time(), nullable=False, server_default="09:00:00")
        )
        batch.add_column(
            sa.Column("work_end", sa.Time(), nullable=False, server_default="17:00:00")
        )
        batch.add_column(
            sa.Column("work_days", sa.String(length=7), nullable=False, server_default="12345")
        )
    with op.batch_alter_table("users") as batch:
        for column in ("work_start", "work_end", "work_days"):
            batch.alter_column(column, server_default=None)
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_state_valid", type_="check")
        batch.create_check_constraint("ck_state_valid", _states(NEW_STATES))


def downgrade() -> None:
    # A folded reminder was never sent on its own; the older schema reads it as sent
    # (it reached the person in the digest), which keeps it from being sent again.
    op.execute("UPDATE reminders SET state = 'sent' WHERE state = 'folded'")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_state_valid", type_="check")
        batch.create_check_constraint("ck_state_valid", _states(OLD_STATES))
    with op.batch_alter_table("users") as batch:
        for column in ("work_days", "work_end", "work_start"):
            batch.drop_column(column)
