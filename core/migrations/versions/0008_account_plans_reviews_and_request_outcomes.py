"""Account plans, quarterly reviews, and what became of a customer's request.

A strategic or key account gets a plan in three parts, each a table of rows on
the account: objectives (a metric kam measures, a target, a due day), actions
(what, who, by when, done) and risks (with their mitigation). A quarterly review
is a record of its own (when, who took part, the plan's progress, notes, next
actions) and resolves the account-review reminder. A request gains its outcome
(open until the customer answers; every existing request is open).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0008"
down_revision: str | None = "0007"

OUTCOMES = ("open", "alternative", "declined", "lost", "planned")


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _moment(*, nullable: bool) -> sa.Column[object]:
    return sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=nullable)


def _on_account(table: str, *columns: sa.Column[object], **kwargs: object) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        **kwargs,
    )


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="open")
        )
        batch.create_check_constraint(
            "ck_outcome_valid", "outcome IN ({})".format(", ".join(f"'{o}'" for o in OUTCOMES))
        )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("requests", "outcome", server_default=None)
    _on_account(
        "plan_objectives",
        sa.Column("metric", _text(100), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _moment(nullable=False),
    )
    _on_account(
        "plan_actions",
        sa.Column("what", _text(1000), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", core.types.UTCDateTime(timezone=True), nullable=True),
        _moment(nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
    )
    _on_account(
        "plan_risks",
        sa.Column("what", _text(1000), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=True),
        _moment(nullable=False),
    )
    _on_account(
        "reviews",
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", _text(1000), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_actions", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", _text(200), nullable=True),
        _moment(nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.UniqueConstraint("idempotency_key"),
    )
    for table in ("plan_objectives", "plan_actions", "plan_risks"):
        op.create_index(f"ix_{table}_account_id", table, ["account_id"], unique=False)
    op.create_index("ix_plan_actions_owner_id", "plan_actions", ["owner_id"], unique=False)
    op.create_index("ix_reviews_account_held", "reviews", ["account_id", "held_on"], unique=False)


def downgrade() -> None:
    for table in ("reviews", "plan_risks", "plan_actions", "plan_objectives"):
        op.drop_table(table)
    with op.batch_alter_table("requests") as batch:
        batch.drop_constraint("ck_outcome_valid", type_="check")
        batch.drop_column("outcome")
