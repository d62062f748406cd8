"""Reminder kinds are plug-ins: the kind column is no longer a fixed list, and check-in
keys begin with their kind's name like every other key.

The kinds are the modules of ``core.checkins.kinds``; a CHECK constraint listing
them meant a migration for every new kind. Check-in and promise keys began
``check_in:`` and ``commitment:`` while their kinds are ``check_in_due`` and
``commitment_due``; they now begin with the kind's name, as every other key does
(the stored payloads name the key too), so one codec builds and parses every key.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"

OLD_KINDS = (
    "check_in_due",
    "commitment_due",
    "notice_untold",
    "thank_you",
    "personal_connect",
    "account_review",
    "onboarding",
    "digest",
)


RENAMED = (("check_in", "check_in_due"), ("commitment", "commitment_due"))


def _rename_prefix(old: str, new: str) -> None:
    """Rewrite keys beginning ``old:`` to begin ``new:``, in the key and in the payload."""
    op.execute(
        f"UPDATE reminders SET key = '{new}' || substr(key, {len(old) + 1}) "
        f"WHERE key LIKE '{old}:%'"
    )
    payload = "payload"
    if op.get_bind().dialect.name == "postgresql":
        payload = "CAST(payload AS text)"
    replaced = f"replace({payload}, '\"{old}:', '\"{new}:')"
    if op.get_bind().dialect.name == "postgresql":
        replaced = f"CAST({replaced} AS json)"
    op.execute(f"UPDATE reminders SET payload = {replaced} WHERE {payload} LIKE '%\"{old}:%'")


def upgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("ck_kind_valid", type_="check")
    for old, new in RENAMED:
        _rename_prefix(old, new)


def downgrade() -> None:
    kinds = ", ".join(f"'{k}'" for k in OLD_KINDS)
    # The older schema knows only its own kinds; reminders of later ones are derived
    # again from the data by whichever version runs next.
    op.execute(f"DELETE FROM reminders WHERE kind NOT IN ({kinds})")
    for old, new in RENAMED:
        _rename_prefix(new, old)
    with op.batch_alter_table("reminders") as batch:
        batch.create_check_constraint("ck_kind_valid", f"kind IN ({kinds})")
