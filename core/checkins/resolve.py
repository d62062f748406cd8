"""Logging an interaction resolves what it answers, for each kind that says so."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from core.checkins.kinds import KINDS


def resolve_after_interaction(account_id: int, *, session: Session, now: datetime) -> int:
    """An interaction was logged on the account: close the reminders it answers.

    Each kind with an ``on_interaction`` hook decides (a check-in closes the
    cycles that began before the account's newest interaction). Returns how many
    stored reminders were closed.
    """
    return sum(
        kind.on_interaction(account_id, session, now)
        for kind in KINDS
        if kind.on_interaction is not None
    )
