"""Contacts with their buying-centre role and reporting line; the account profile.

A contact gains a role in the buying centre (``buying_role``: decision maker,
influencer, user or gatekeeper) and a ``retired_at`` moment (they left; they stay
in the history but leave the card and the reminders). Who reports to whom within
an account is a ``reporting_lines`` row. The account gains the customer
knowledge a key account manager keeps (what they value, their difficulties, how
they buy, what else they buy and from whom, the cost and time to replace them),
and ``profile_entries`` records who set each profile field and when.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0007"
down_revision: str | None = "0006"

ROLES = ("decision_maker", "influencer", "user", "gatekeeper")
ACCOUNT_COLUMNS = (
    ("customer_values", sa.Text()),
    ("difficulties", sa.Text()),
    ("buying_process", sa.Text()),
    ("other_suppliers", sa.Text()),
    ("replacement_cost", sa.Float()),
    ("replacement_months", sa.Integer()),
)


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, not a batch copy: on SQLite a copy of contacts or
    # accounts would drop a table others refer to. The role's CHECK is a column
    # constraint, which both SQLite and PostgreSQL accept in ADD COLUMN.
    for name, type_ in ACCOUNT_COLUMNS:
        op.add_column("accounts", sa.Column(name, type_, nullable=True))
    roles = ", ".join(f"'{r}'" for r in ROLES)
    op.execute(
        "ALTER TABLE contacts ADD COLUMN buying_role VARCHAR(16) CONSTRAINT ck_buying_role_valid "
        f"CHECK (buying_role IS NULL OR buying_role IN ({roles}))"
    )
    op.add_column(
        "contacts", sa.Column("retired_at", core.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "reporting_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reports_to_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reports_to_id"], ["contacts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contact_id"),
    )
    op.create_index(
        "ix_reporting_lines_reports_to_id", "reporting_lines", ["reports_to_id"], unique=False
    )
    op.create_table(
        "profile_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("set_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "field_name", name="uq_profile_entry"),
    )
    op.create_index(
        "ix_profile_entries_account_id", "profile_entries", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_profile_entries_account_id", table_name="profile_entries")
    op.drop_table("profile_entries")
    op.drop_index("ix_reporting_lines_reports_to_id", table_name="reporting_lines")
    op.drop_table("reporting_lines")
    # SQLite (3.35+) drops a column in place; a batch copy would drop the table itself
    for name in ("retired_at", "buying_role"):
        op.execute(f"ALTER TABLE contacts DROP COLUMN {name}")
    for name, _ in reversed(ACCOUNT_COLUMNS):
        op.execute(f"ALTER TABLE accounts DROP COLUMN {name}")
