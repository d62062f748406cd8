"""Logging an interaction closes the account's earlier check-in reminders."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from core.checkins.items import family
from core.checkins.triage import CLOSED
from core.models import Interaction, Reminder, ReminderKind, ReminderState


def resolve_check_ins(account_id: int, *, session: Session, now: datetime) -> int:
    """An interaction was logged: earlier check-in occurrences of the account are done.

    Only occurrences of cycles that began before the account's newest
    interaction are closed, so back-dating an old call resolves nothing.
    """
    newest = session.exec(
        select(Interaction.occurred_at)
        .where(Interaction.account_id == account_id)
        .order_by(col(Interaction.occurred_at).desc())
        .limit(1)
    ).first()
    if newest is None:
        return 0
    current = f"check_in:{account_id}:{newest.date().isoformat()}"
    open_rows = session.exec(
        select(Reminder).where(
            Reminder.account_id == account_id,
            Reminder.kind == ReminderKind.CHECK_IN_DUE.value,
            col(Reminder.state).not_in(sorted(CLOSED)),
        )
    ).all()
    closed = 0
    for row in open_rows:
        if family(row.key) != current:
            row.state = ReminderState.DONE
            row.snoozed_until = None
            row.updated_at = now
            row.payload = {**(row.payload or {}), "resolved_by": "interaction"}
            session.add(row)
            closed += 1
    if closed:
        session.flush()
    return closed
