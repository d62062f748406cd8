"""Interactions captured from e-mail, calendars and shared Slack channels.

A captured interaction keeps a link back to what it came from (``external_ref``: the
Message-ID, the event's UID and recurrence id, the channel, person and day), unique
per account and source, so reading a message twice stores it once. The capture
sources keep how far they have read (``capture_cursors``), who could not be placed
(``unmatched_addresses``), which replica runs a source (``capture_leases``),
meetings still to come (``planned_meetings``) and the Slack channels linked to an
account (``channel_links``).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.types

revision: str = "0009"
down_revision: str | None = "0008"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN and a unique index: no batch copy of interactions.
    op.add_column("interactions", sa.Column("external_ref", _text(500), nullable=True))
    op.create_index(
        "ix_interactions_captured",
        "interactions",
        ["account_id", "source", "external_ref"],
        unique=True,
    )
    op.create_table(
        "capture_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", _text(32), nullable=False),
        sa.Column("place", _text(500), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_capture_cursors_place", "capture_cursors", ["source", "place"], unique=True)
    op.create_table(
        "unmatched_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", _text(320), nullable=False),
        sa.Column("name", _text(200), nullable=True),
        sa.Column("source", _text(32), nullable=False),
        sa.Column("last_subject", _text(500), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("first_seen", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint("status IN ('open', 'contact', 'ignored')", name="ck_status_valid"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address"),
    )
    op.create_index(
        "ix_unmatched_addresses_status", "unmatched_addresses", ["status"], unique=False
    )
    op.create_table(
        "capture_leases",
        sa.Column("source", _text(32), nullable=False),
        sa.Column("holder", _text(200), nullable=False),
        sa.Column("expires_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "planned_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_ref", _text(500), nullable=False),
        sa.Column("title", _text(500), nullable=False),
        sa.Column("starts_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_planned_meetings_ref",
        "planned_meetings",
        ["account_id", "external_ref"],
        unique=True,
    )
    op.create_table(
        "channel_links",
        sa.Column("channel_id", _text(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=True),
        sa.Column("created_at", core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["linked_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("channel_id"),
    )
    op.create_index("ix_channel_links_account_id", "channel_links", ["account_id"], unique=False)


def downgrade() -> None:
    for table in (
        "channel_links",
        "planned_meetings",
        "capture_leases",
        "unmatched_addresses",
        "capture_cursors",
    ):
        op.drop_table(table)
    op.drop_index("ix_interactions_captured", table_name="interactions")
    # SQLite (3.35+) drops a column in place; a batch copy would drop the table itself
    op.execute("ALTER TABLE interactions DROP COLUMN external_ref")
