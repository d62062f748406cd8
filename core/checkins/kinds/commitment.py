"""Commitment due (habit 5, reliable and proactive): a promise made to the customer,
tracked until it is kept.

It shows from ``commitment_lead`` before its day; on the day it is yellow, once
overdue red (``#overdue``), with priority growing a seventh a day. Done marks the
promise kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, func
from sqlalchemy import select as wide_select
from sqlmodel import col

from core.checkins.keys import key_sql, leveled
from core.checkins.kind import (
    DAY,
    CompleteCommitment,
    Context,
    Derived,
    Kind,
    Scope,
    about,
    day_of,
    due,
)
from core.checkins.sql import unindexed
from core.checkins.statements import TODAY, built, value
from core.clock import start_of_day_utc
from core.models import Account, Commitment

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "commitment_due"


def read(context: Context, reading: Reading) -> list[Derived]:
    """Open promises due within the lead time, or overdue."""
    config, today = context.config, context.now.date()
    query = _query(context.scope.shape)
    values = context.values(lead_end=today + config.commitment_lead)
    found = []
    for row in reading.rows(query, values):
        name = row.name
        due_on = day_of(row.due_on)
        late = (today - due_on).days
        to = f" to {row.to_whom}" if row.to_whom else ""
        if late > 0:
            severity, priority = "red", 1.0 + late / 7
            due_at = start_of_day_utc(due_on + DAY)
            when = f"It was due {due_on} ({late} days ago)."
            reason = f"promise {late} day{'s' if late > 1 else ''} overdue"
        else:
            severity = "yellow" if late == 0 else "info"
            priority = 1.0 if late == 0 else 0.5
            due_at = start_of_day_utc(due_on) - config.commitment_lead
            when = "It is due today." if late == 0 else f"It is due {due_on}."
            reason = "promise due today" if late == 0 else f"promise due {due_on:%a %d %b}"
        found.append(
            due(
                row,
                NAME,
                due_at=due_at,
                priority=priority,
                severity=severity,
                title=f"Keep your promise{to} at {name}: {row.what}",
                detail=f"{when} Mark it done once it is kept.",
                subject_id=row.cid,
                late_days=late,
                reason=reason,
            )
        )
    return found


@built
def _query(scope: Scope) -> Any:
    """Open promises of ``scope`` (a shape) due by ``lead_end``, or overdue (before
    :data:`~core.checkins.statements.TODAY`)."""
    owner = func.coalesce(col(Commitment.owner_id), col(Account.owner_id))
    promise = key_sql(NAME, col(Commitment.account_id), col(Commitment.id))
    overdue = col(Commitment.due_on) < TODAY
    return (
        wide_select(
            col(Commitment.id).label("cid"),
            *about(col(Commitment.account_id), owner),
            col(Commitment.what).label("what"),
            col(Commitment.to_whom).label("to_whom"),
            col(Commitment.due_on).label("due_on"),
            leveled(promise, "overdue", overdue).label("key"),
            promise.label("family"),
        )
        .join(Account, col(Account.id) == Commitment.account_id)
        .where(
            col(Commitment.done_at).is_(None),
            unindexed(col(Commitment.due_on)) <= value("lead_end", Date()),
            *scope.where(owner, col(Commitment.account_id), assignee=col(Commitment.owner_id)),
        )
    )


DONE = CompleteCommitment()
KIND = Kind(NAME, "Promise due", read, resolved_by="it is marked done", done=DONE)
