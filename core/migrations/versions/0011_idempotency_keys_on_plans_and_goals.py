"""Idempotency keys on a plan's objectives, actions and risks, and on goals.

A Slack form sent twice (Slack's retry, a double click on Save, a retry after the bot
restarted, or reaching a second bot process) must not add a part of a plan or a goal
twice; like interactions, requests and reviews, each now stores the key of the request
that made it, once.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from core.migrations.idempotency import add_keys, drop_keys

revision: str = "0011"
down_revision: str | None = "0010"

TABLES = ("plan_objectives", "plan_actions", "plan_risks", "goals")


def upgrade() -> None:
    add_keys(TABLES)


def downgrade() -> None:
    drop_keys(TABLES)
